"""Short Keras 2 programs, as users write them from the classic examples, each run end to end.

Each trains one epoch on at most 2,000 MNIST images and checks what it learnt. They use only
the Keras 2 surface (``import minikeras as keras`` in place of ``import keras``).
"""
import numpy as np
import pytest

import minikeras as keras
from minikeras import backend as K
from minikeras import initializers
from minikeras.callbacks import (CSVLogger, EarlyStopping, LambdaCallback, ModelCheckpoint,
                                 ReduceLROnPlateau)
from minikeras.datasets import mnist
from minikeras.layers import (LSTM, Activation, BatchNormalization, Conv2D, Dense, Dropout,
                              Embedding, Flatten, GlobalAveragePooling2D, Input, Layer, LeakyReLU,
                              MaxPooling2D, SimpleRNN, TimeDistributed, concatenate)
from minikeras.models import Model, Sequential, load_model, model_from_json
from minikeras.optimizers import RMSprop
from minikeras.preprocessing.image import ImageDataGenerator
from minikeras.preprocessing.sequence import pad_sequences


@pytest.fixture(autouse=True)
def seeded():
    np.random.seed(0)                   # weights, dropout, shuffling and augmentation repeatable


@pytest.fixture(scope="module")
def digits():
    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    x_train = x_train[:2000].astype("float32") / 255
    x_test = x_test[:500].astype("float32") / 255
    return x_train, y_train[:2000], x_test, y_test[:500]


def test_mlp_with_dropout_rmsprop_and_a_score(digits, capsys):
    x_train, y_train, x_test, y_test = digits
    x_train, x_test = x_train.reshape(-1, 784), x_test.reshape(-1, 784)
    y_train = keras.utils.to_categorical(y_train, 10)
    y_test = keras.utils.to_categorical(y_test, num_classes=10)
    model = Sequential()
    model.add(Dense(256, activation="relu", input_shape=(784,)))
    model.add(Dropout(0.2))
    model.add(Dense(10, activation="softmax"))
    model.summary()
    assert "Total params: 203,530" in capsys.readouterr().out
    model.compile(loss="categorical_crossentropy", optimizer=RMSprop(), metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=128, epochs=1, verbose=0,
                        validation_data=(x_test, y_test))
    score = model.evaluate(x_test, y_test, verbose=0)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert score[1] > 0.75 and score[0] == pytest.approx(history.history["val_loss"][0])


class Antirectifier(Layer):
    """The Keras example's layer: centred, normalized, then its positive and negative parts."""

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        shape[-1] *= 2
        return tuple(shape)

    def call(self, inputs):
        inputs -= K.mean(inputs, axis=1, keepdims=True)
        inputs = K.l2_normalize(inputs, axis=1)
        return K.concatenate([K.relu(inputs), K.relu(-inputs)], axis=1)


def test_antirectifier_custom_layer(digits):
    x_train, y_train, x_test, y_test = digits
    model = Sequential([Dense(64, input_shape=(784,)), Antirectifier(), Dropout(0.1),
                        Dense(10), Activation("softmax")])
    assert model.layers[1].output_shape == (None, 128)
    model.compile(loss="sparse_categorical_crossentropy", optimizer="rmsprop",
                  metrics=["accuracy"])
    model.fit(x_train.reshape(-1, 784), y_train, batch_size=128, epochs=1, verbose=0)
    assert model.evaluate(x_test.reshape(-1, 784), y_test, verbose=0)[1] > 0.6


def test_callbacks_saving_and_the_learning_rate(digits, tmp_path):
    x_train, y_train, x_test, y_test = digits
    x, xt = x_train[:1000].reshape(-1, 784), x_test.reshape(-1, 784)
    y = keras.utils.to_categorical(y_train[:1000])
    yt = keras.utils.to_categorical(y_test, 10)
    model = Sequential([Dense(32, activation="relu", input_dim=784),
                        Dense(10, activation="softmax")])
    model.compile("adam", "categorical_crossentropy", metrics=["acc"])
    ends = []
    best, log = str(tmp_path / "best.h5"), str(tmp_path / "training.log")
    callbacks = [ModelCheckpoint(best, monitor="val_acc", save_best_only=True, mode="max"),
                 EarlyStopping(monitor="val_loss", patience=1),
                 ReduceLROnPlateau(monitor="val_loss", factor=0.2, patience=1, min_lr=1e-4),
                 CSVLogger(log),
                 LambdaCallback(on_epoch_end=lambda epoch, logs: ends.append(epoch))]
    history = model.fit(x, y, epochs=2, batch_size=64, validation_split=0.2,
                        callbacks=callbacks, verbose=0)
    assert ends == [0, 1] and history.history["val_acc"][-1] > 0.6
    assert open(log).readline().strip() == "epoch,acc,loss,lr,val_acc,val_loss"
    K.set_value(model.optimizer.lr, 0.0005)
    assert K.get_value(model.optimizer.lr) == pytest.approx(0.0005)
    path = str(tmp_path / "m.h5")
    model.save(path)
    reloaded = load_model(path)
    assert K.get_value(reloaded.optimizer.lr) == pytest.approx(0.0005)
    np.testing.assert_allclose(reloaded.evaluate(xt, yt, verbose=0),
                               model.evaluate(xt, yt, verbose=0), rtol=1e-6)
    weights = str(tmp_path / "w.h5")
    model.save_weights(weights)
    rebuilt = model_from_json(model.to_json())
    rebuilt.load_weights(weights)
    np.testing.assert_array_equal(rebuilt.predict(xt), model.predict(xt))
    assert load_model(best).predict(xt).shape == (500, 10)


def test_two_branches_two_outputs_with_loss_weights(digits):
    x_train, y_train, x_test, y_test = digits
    image = Input(shape=(28, 28, 1), name="img")
    a = Dense(32, activation="relu")(Flatten()(image))
    b = Flatten()(Conv2D(4, 3, strides=2, activation="relu")(image))
    merged = concatenate([a, b])
    digit = Dense(10, activation="softmax", name="digit")(merged)
    parity = Dense(1, activation="sigmoid", name="parity")(merged)
    model = Model(inputs=[image], outputs=[digit, parity])
    model.compile(optimizer="rmsprop",
                  loss={"digit": "categorical_crossentropy", "parity": "binary_crossentropy"},
                  loss_weights={"digit": 1.0, "parity": 0.2}, metrics=["accuracy"])
    targets = {"digit": keras.utils.to_categorical(y_train, 10), "parity": y_train % 2}
    history = model.fit({"img": x_train[..., None]}, targets, epochs=1, batch_size=32, verbose=0)
    assert model.metrics_names == ["loss", "digit_loss", "parity_loss", "digit_accuracy",
                                   "parity_accuracy"]
    assert set(history.history) == set(model.metrics_names)
    loss, digit_loss, parity_loss, digit_acc, parity_acc = model.evaluate(
        x_test[..., None], [keras.utils.to_categorical(y_test, 10), y_test % 2], verbose=0)
    assert loss == pytest.approx(digit_loss + 0.2 * parity_loss, rel=1e-5)
    assert digit_acc > 0.7 and parity_acc > 0.65


def test_batch_norm_leaky_relu_and_augmented_batches_from_a_generator(digits):
    x_train, y_train, x_test, y_test = digits
    x, xt = x_train[:1000, ..., None], x_test[..., None]
    y, yt = keras.utils.to_categorical(y_train[:1000]), keras.utils.to_categorical(y_test, 10)
    model = Sequential([Conv2D(16, (3, 3), padding="same", input_shape=(28, 28, 1)),
                        BatchNormalization(), Activation("relu"), MaxPooling2D(),
                        Conv2D(16, (3, 3), padding="same"), BatchNormalization(),
                        LeakyReLU(alpha=0.1), GlobalAveragePooling2D(),
                        Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(lr=0.01), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    before = model.evaluate(xt, yt, verbose=0)[0]
    datagen = ImageDataGenerator(rotation_range=10, width_shift_range=0.1, zoom_range=0.1)
    batch_size = 32
    losses = []
    record = LambdaCallback(on_batch_end=lambda batch, logs: losses.append(logs["loss"]))
    history = model.fit_generator(datagen.flow(x, y, batch_size=batch_size),
                                  steps_per_epoch=len(x) // batch_size, epochs=1, verbose=0,
                                  callbacks=[record])
    assert history.params["steps"] == 31 and len(losses) == 31
    assert np.mean(losses[-5:]) < min(np.mean(losses[:5]), before) - 0.1
    assert model.layers[1].get_weights()[2].std() > 0              # moving mean has moved


def test_irnn_and_hierarchical_rnn(digits):
    x_train, y_train, x_test, y_test = digits
    y, yt = keras.utils.to_categorical(y_train), keras.utils.to_categorical(y_test, 10)
    irnn = Sequential([SimpleRNN(32, kernel_initializer=initializers.RandomNormal(stddev=0.001),
                                 recurrent_initializer=initializers.Identity(gain=1.0),
                                 activation="relu", input_shape=(28, 28)),
                       Dense(10), Activation("softmax")])
    np.testing.assert_array_equal(irnn.layers[0].get_weights()[1], np.eye(32))
    irnn.compile(loss="categorical_crossentropy", optimizer=RMSprop(lr=1e-3), metrics=["accuracy"])
    irnn.fit(x_train, y, batch_size=32, epochs=1, verbose=0)
    assert irnn.evaluate(x_test, yt, verbose=0)[1] > 0.2                # chance is 0.1

    pixels = Input(shape=(28, 28, 1))
    rows = TimeDistributed(LSTM(16))(pixels)
    prediction = Dense(10, activation="softmax")(LSTM(16)(rows))
    hierarchical = Model(pixels, prediction)
    hierarchical.compile(loss="categorical_crossentropy", optimizer=RMSprop(lr=0.005))
    before = hierarchical.evaluate(x_test[..., None], yt, verbose=0)
    hierarchical.fit(x_train[..., None], y, batch_size=16, epochs=1, verbose=0)
    assert hierarchical.evaluate(x_test[..., None], yt, verbose=0) < before - 0.02


def test_embedding_and_lstm_on_padded_row_tokens_with_a_mask(digits):
    x_train, y_train, x_test, y_test = digits

    def tokens(images, labels):
        keep = labels < 2                                    # zeros against ones
        rows = (images[keep] > 0.5).sum(axis=2)              # ink per row, the row's token
        return [[int(n) + 1 for n in row if n] for row in rows], labels[keep]

    sequences, y = tokens(x_train, y_train)
    test_sequences, yt = tokens(x_test, y_test)
    model = Sequential([Embedding(30, 8, mask_zero=True, input_length=28), LSTM(16),
                        Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    model.fit(pad_sequences(sequences, maxlen=28), y, batch_size=8, epochs=1, verbose=0)
    assert model.evaluate(pad_sequences(test_sequences, maxlen=28), yt, verbose=0)[1] > 0.7
    short = pad_sequences(test_sequences[:20], maxlen=28)
    longer = np.concatenate([np.zeros((20, 28), "int32"), short], axis=1)
    model_40 = Sequential([Embedding(30, 8, mask_zero=True, input_length=56), LSTM(16),
                           Dense(1, activation="sigmoid")])
    model_40.set_weights(model.get_weights())
    np.testing.assert_allclose(model_40.predict(longer), model.predict(short), rtol=1e-5)


def test_an_older_script_with_keras_2_module_paths_and_predict_classes(digits):
    from minikeras.layers.advanced_activations import LeakyReLU as OldLeakyReLU
    from minikeras.layers.convolutional import Conv2D as OldConv2D, MaxPooling2D as OldMaxPooling
    from minikeras.layers.core import Dense as OldDense, Flatten as OldFlatten
    from minikeras.utils import np_utils

    x_train, y_train, x_test, y_test = digits
    model = Sequential()
    model.add(OldConv2D(4, (3, 3), strides=2, input_shape=(28, 28, 1)))
    model.add(OldLeakyReLU(alpha=0.1))
    model.add(OldMaxPooling(pool_size=(2, 2)))
    model.add(OldFlatten())
    model.add(OldDense(10, activation="softmax"))
    model.compile(loss="categorical_crossentropy", optimizer=keras.optimizers.Adam(lr=0.01),
                  metrics=["accuracy"])
    model.fit(x_train[..., None], np_utils.to_categorical(y_train, 10), batch_size=32, epochs=1,
              verbose=0)
    classes = model.predict_classes(x_test[..., None])
    accuracy = model.evaluate(x_test[..., None], np_utils.to_categorical(y_test, 10), verbose=0)[1]
    assert np.mean(classes == y_test) == pytest.approx(accuracy) and accuracy > 0.6
