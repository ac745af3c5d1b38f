"""혼자 공부하는 머신러닝+딥러닝, chapters 7-8, as a notebook runs them with only the import
changed (``from tensorflow import keras`` -> ``import minikeras as keras``).

Fashion-MNIST has no copy on this machine and the suite must not download: the notebook's
``keras.datasets.fashion_mnist.load_data()`` reads here, through the loader's ``path=`` (the one
line that differs), a folder of IDX files written from MNIST digits (800 training and 200
test images: the CNN is the slowest program of the suite), so the numbers are MNIST's. The cells: scale and split the data, the
Conv2D/MaxPooling2D/Dense/Dropout ``Sequential`` of 8-1, ``summary``, ``compile`` with
``metrics='accuracy'``, ``ModelCheckpoint('best-cnn-model.keras', save_best_only=True)`` and
``EarlyStopping(patience=2, restore_best_weights=True)``, the loss curves from
``history.history``, ``evaluate``, ``predict``; then 8-3: ``load_model`` of the checkpoint, the
first layer's weights, and the feature maps through ``keras.Model(model.inputs,
model.layers[0].output)``. One epoch (the book trains up to 20).
"""
import gzip
import os
import struct

import numpy as np

import minikeras as keras


def write_idx(folder, images, labels, prefix):
    with gzip.open(os.path.join(folder, f"{prefix}-images-idx3-ubyte.gz"), "wb") as f:
        f.write(struct.pack(">IIII", 0x803, len(images), 28, 28) + images.astype(np.uint8).tobytes())
    with gzip.open(os.path.join(folder, f"{prefix}-labels-idx1-ubyte.gz"), "wb") as f:
        f.write(struct.pack(">II", 0x801, len(labels)) + labels.astype(np.uint8).tobytes())


def test_chapters_7_and_8_notebook_runs_with_only_the_import_changed(mnist_small, fresh_seed, tmp_path,
                                                                   monkeypatch):
    (x_train, y_train), (x_test, y_test) = mnist_small
    folder = tmp_path / "fashion"
    folder.mkdir()
    write_idx(str(folder), x_train[:800], y_train[:800], "train")
    write_idx(str(folder), x_test[:200], y_test[:200], "t10k")
    monkeypatch.chdir(tmp_path)  # the notebook writes best-cnn-model.keras where it runs
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # --- 8-2: the notebook's cells --------------------------------------------------------
    (train_input, train_target), (test_input, test_target) = \
        keras.datasets.fashion_mnist.load_data(path=str(folder))          # (path= is the one change)
    train_scaled = train_input.reshape(-1, 28, 28, 1) / 255.0
    # train_test_split(train_scaled, train_target, test_size=0.2, random_state=42), without sklearn:
    order = np.random.default_rng(42).permutation(len(train_scaled))
    cut = int(len(order) * 0.8)
    train_scaled, val_scaled = train_scaled[order[:cut]], train_scaled[order[cut:]]
    train_target, val_target = train_target[order[:cut]], train_target[order[cut:]]

    model = keras.Sequential()
    model.add(keras.layers.Conv2D(32, kernel_size=3, activation='relu', padding='same', input_shape=(28, 28, 1)))
    model.add(keras.layers.MaxPooling2D(2))
    model.add(keras.layers.Conv2D(64, kernel_size=(3, 3), activation='relu', padding='same'))
    model.add(keras.layers.MaxPooling2D(2))
    model.add(keras.layers.Flatten())
    model.add(keras.layers.Dense(100, activation='relu'))
    model.add(keras.layers.Dropout(0.4))
    model.add(keras.layers.Dense(10, activation='softmax'))
    model.summary()

    model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics='accuracy')
    checkpoint_cb = keras.callbacks.ModelCheckpoint('best-cnn-model.keras', save_best_only=True)
    early_stopping_cb = keras.callbacks.EarlyStopping(patience=2, restore_best_weights=True)
    history = model.fit(train_scaled, train_target, epochs=1, verbose=0,
                        validation_data=(val_scaled, val_target),
                        callbacks=[checkpoint_cb, early_stopping_cb])

    plt.plot(history.history['loss'])
    plt.plot(history.history['val_loss'])
    plt.xlabel('epoch')
    plt.ylabel('loss')
    plt.legend(['train', 'val'])
    plt.close("all")

    val_loss, val_accuracy = model.evaluate(val_scaled, val_target, verbose=0)
    preds = model.predict(val_scaled[0:1], verbose=0)
    classes = ['티셔츠', '바지', '스웨터', '드레스', '코트', '샌달', '셔츠', '스니커즈', '가방', '앵클 부츠']
    label = classes[np.argmax(preds)]
    test_scaled = test_input.reshape(-1, 28, 28, 1) / 255.0
    test_loss, test_accuracy = model.evaluate(test_scaled, test_target, verbose=0)

    # --- 8-3: the saved model's filters and feature maps ------------------------------------
    model = keras.models.load_model('best-cnn-model.keras')
    conv = model.layers[0]
    assert conv.weights[0].shape == (3, 3, 1, 32) and conv.weights[1].shape == (32,)
    conv_weights = conv.weights[0].numpy()
    assert np.isfinite(conv_weights.mean()) and conv_weights.std() > 0
    conv_acti = keras.Model(model.inputs, model.layers[0].output)
    inputs = train_input[0:1].reshape(-1, 28, 28, 1) / 255.0
    feature_maps = conv_acti.predict(inputs, verbose=0)
    fig, axs = plt.subplots(4, 8, figsize=(15, 8))
    for i in range(4):
        for j in range(8):
            axs[i, j].imshow(feature_maps[0, :, :, i * 8 + j])
            axs[i, j].axis('off')
    plt.close("all")

    # --- what the notebook shows, checked ----------------------------------------------------
    assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert val_accuracy == history.history["val_accuracy"][0] and val_accuracy > 0.6
    assert test_accuracy > 0.6 and label in classes
    assert feature_maps.shape == (1, 28, 28, 32) and (feature_maps >= 0).all()  # after relu
    np.testing.assert_allclose(model.evaluate(val_scaled, val_target, verbose=0), [val_loss, val_accuracy], rtol=1e-5)
