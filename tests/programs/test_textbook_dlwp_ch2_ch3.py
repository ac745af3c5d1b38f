"""Deep Learning with Python, 2nd edition (tf.keras) and 3rd edition (Keras 3), chapters 2 and
3: the tensor and gradient cells, the linear classifier trained by hand, the ``Layer``
subclass ``SimpleDense``, and ``compile``/``fit``/``predict``; then the 3rd edition's MNIST
network written from scratch with ``keras.Variable``, ``keras.ops`` and a hand-made batch
generator.

The 2nd edition writes these cells with TensorFlow (``tf.ones``, ``tf.Variable``,
``tf.GradientTape``); they are translated to the names Keras 3 offers for the same thing
(``ops.ones``, ``keras.Variable``, ``keras.random.normal``; ``minikeras.GradientTape`` for the
tape), as the 3rd edition itself does. ``v[0, 0].assign(3.)`` (a slice of a ``tf.Variable``)
has no Keras 3 counterpart and is left out.
"""
import math

import numpy as np

import minikeras as keras
from minikeras import layers, ops


def two_point_clouds(rng, num_samples_per_class=1000):
    negative_samples = rng.multivariate_normal(mean=[0, 3], cov=[[1, 0.5], [0.5, 1]], size=num_samples_per_class)
    positive_samples = rng.multivariate_normal(mean=[3, 0], cov=[[1, 0.5], [0.5, 1]], size=num_samples_per_class)
    inputs = np.vstack((negative_samples, positive_samples)).astype(np.float32)
    targets = np.vstack((np.zeros((num_samples_per_class, 1), dtype="float32"),
                         np.ones((num_samples_per_class, 1), dtype="float32")))
    return inputs, targets


def test_2nd_edition_chapter_3_tensors_tapes_and_a_linear_classifier(fresh_seed):
    x = ops.ones(shape=(2, 1))
    assert np.all(x.numpy() == 1)
    x = keras.random.normal(shape=(3, 1), mean=0., stddev=1.)
    x = keras.random.uniform(shape=(3, 1), minval=0., maxval=1.)
    assert x.shape == (3, 1) and 0 <= float(ops.min(x)) and float(ops.max(x)) < 1

    v = keras.Variable(keras.random.normal(shape=(3, 1)))
    v.assign(ops.ones((3, 1)))
    v.assign_add(ops.ones((3, 1)))
    assert np.all(v.numpy() == 2)

    a = ops.ones((2, 2))
    b = ops.square(a)
    c = ops.sqrt(a)
    d = b + c
    e = ops.matmul(a, b)
    e *= d
    assert np.all(e.numpy() == 4)

    input_var = keras.Variable(3.)
    with keras.GradientTape() as tape:
        result = ops.square(input_var)
    assert float(tape.gradient(result, input_var)) == 6.0

    input_const = ops.convert_to_tensor(3.)
    with keras.GradientTape() as tape:
        tape.watch(input_const)
        result = ops.square(input_const)
    assert float(tape.gradient(result, input_const)) == 6.0

    time = keras.Variable(0.)
    with keras.GradientTape() as outer_tape:
        with keras.GradientTape() as inner_tape:
            position = 4.9 * time ** 2
        speed = inner_tape.gradient(position, time)
    acceleration = outer_tape.gradient(speed, time)
    assert float(speed) == 0.0 and abs(float(acceleration) - 9.8) < 1e-6

    # The linear classifier in pure "TensorFlow", here minikeras.
    inputs, targets = two_point_clouds(fresh_seed)
    input_dim, output_dim = 2, 1
    W = keras.Variable(keras.random.uniform(shape=(input_dim, output_dim)))
    b = keras.Variable(ops.zeros(shape=(output_dim,)))

    def model(inputs):
        return ops.matmul(inputs, W) + b

    def square_loss(targets, predictions):
        per_sample_losses = ops.square(targets - predictions)
        return ops.mean(per_sample_losses)

    learning_rate = 0.1

    def training_step(inputs, targets):
        with keras.GradientTape() as tape:
            predictions = model(inputs)
            loss = square_loss(predictions, targets)
        grad_loss_wrt_W, grad_loss_wrt_b = tape.gradient(loss, [W, b])
        W.assign_sub(grad_loss_wrt_W * learning_rate)
        b.assign_sub(grad_loss_wrt_b * learning_rate)
        return loss

    losses = [f"{training_step(inputs, targets):.4f}" for step in range(40)]  # the notebook prints so
    assert float(losses[-1]) < 0.05 < float(losses[0])  # measured 0.03 after 40 steps
    predictions = model(inputs)
    assert np.mean((predictions[:, 0] > 0.5).numpy() == targets[:, 0]) > 0.97
    x = np.linspace(-1, 4, 100)
    y = - W[0] / W[1] * x + (0.5 - b) / W[1]  # the separating line the notebook plots
    assert y.shape == (100,)


class SimpleDense(keras.layers.Layer):
    """The chapter's Dense layer: weights made in build(), the computation in call()."""

    def __init__(self, units, activation=None):
        super().__init__()
        self.units = units
        self.activation = activation

    def build(self, input_shape):
        batch_dim, input_dim = input_shape  # the 3rd edition's spelling
        self.W = self.add_weight(shape=(input_dim, self.units), initializer="random_normal")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros")

    def call(self, inputs):
        y = ops.matmul(inputs, self.W) + self.b
        if self.activation is not None:
            y = self.activation(y)
        return y


def test_chapter_3_simple_dense_layer_compile_fit_and_validation(mnist_small, fresh_seed):
    my_dense = SimpleDense(units=32, activation=ops.relu)
    input_tensor = ops.ones(shape=(2, 784))
    output_tensor = my_dense(input_tensor)
    assert output_tensor.shape == (2, 32) and len(my_dense.trainable_weights) == 2

    # The layer in a Sequential model, trained on MNIST (the chapter only builds it).
    (x_train, y_train), (x_test, y_test) = mnist_small
    model = keras.Sequential([SimpleDense(64, activation=ops.relu), SimpleDense(10, activation=ops.softmax)])
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train.reshape(-1, 784) / 255, y_train, epochs=6, batch_size=128, verbose=0)
    assert history.history["accuracy"][-1] > 0.85  # measured 0.51 -> 0.89 in 6 epochs
    assert model.evaluate(x_test.reshape(-1, 784) / 255, y_test, verbose=0)[1] > 0.8  # measured 0.84

    inputs, targets = two_point_clouds(fresh_seed)
    model = keras.Sequential([keras.layers.Dense(1)])
    model.compile(optimizer="rmsprop", loss="mean_squared_error", metrics=["accuracy"])
    model.compile(optimizer=keras.optimizers.RMSprop(), loss=keras.losses.MeanSquaredError(),
                  metrics=[keras.metrics.BinaryAccuracy()])
    history = model.fit(inputs, targets, epochs=5, batch_size=128, verbose=0)
    assert sorted(history.history) == ["binary_accuracy", "loss"]
    assert history.history["loss"][-1] < history.history["loss"][0]

    model = keras.Sequential([keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=0.1), loss=keras.losses.MeanSquaredError(),
                  metrics=[keras.metrics.BinaryAccuracy()])
    indices_permutation = np.random.permutation(len(inputs))
    shuffled_inputs = inputs[indices_permutation]
    shuffled_targets = targets[indices_permutation]
    num_validation_samples = int(0.3 * len(inputs))
    val_inputs = shuffled_inputs[:num_validation_samples]
    val_targets = shuffled_targets[:num_validation_samples]
    training_inputs = shuffled_inputs[num_validation_samples:]
    training_targets = shuffled_targets[num_validation_samples:]
    history = model.fit(training_inputs, training_targets, epochs=5, batch_size=16,
                        validation_data=(val_inputs, val_targets), verbose=0)
    assert max(history.history["val_binary_accuracy"]) > 0.95  # measured 0.97-0.99
    predictions = model.predict(val_inputs, batch_size=128)
    assert predictions.shape == (600, 1)


class NaiveDense:
    def __init__(self, input_size, output_size, activation=None):
        self.activation = activation
        self.W = keras.Variable(shape=(input_size, output_size), initializer="uniform")
        self.b = keras.Variable(shape=(output_size,), initializer="zeros")

    def __call__(self, inputs):
        x = ops.matmul(inputs, self.W)
        x = x + self.b
        if self.activation is not None:
            x = self.activation(x)
        return x

    @property
    def weights(self):
        return [self.W, self.b]


class NaiveSequential:
    def __init__(self, layers):
        self.layers = layers

    def __call__(self, inputs):
        x = inputs
        for layer in self.layers:
            x = layer(x)
        return x

    @property
    def weights(self):
        weights = []
        for layer in self.layers:
            weights += layer.weights
        return weights


class BatchGenerator:
    def __init__(self, images, labels, batch_size=128):
        assert len(images) == len(labels)
        self.index = 0
        self.images = images
        self.labels = labels
        self.batch_size = batch_size
        self.num_batches = math.ceil(len(images) / batch_size)

    def next(self):
        images = self.images[self.index: self.index + self.batch_size]
        labels = self.labels[self.index: self.index + self.batch_size]
        self.index += self.batch_size
        return images, labels


def test_3rd_edition_chapter_2_mnist_from_scratch_with_keras_ops(mnist_small, fresh_seed):
    (train_images, train_labels), (test_images, test_labels) = mnist_small
    model = NaiveSequential([
        NaiveDense(input_size=28 * 28, output_size=512, activation=ops.relu),
        NaiveDense(input_size=512, output_size=10, activation=ops.softmax),
    ])
    assert len(model.weights) == 4
    assert 0 < float(ops.max(model.weights[0])) <= 0.05 and float(ops.min(model.weights[0])) >= -0.05  # "uniform"

    # The book's learning rate is 1e-3 for 10 epochs of 469 batches; 16 batches need a larger one.
    optimizer = keras.optimizers.SGD(learning_rate=0.1)

    def update_weights(gradients, weights):
        optimizer.apply_gradients(zip(gradients, weights))

    x = ops.zeros(shape=())
    with keras.GradientTape() as tape:
        tape.watch(x)
        y = 2 * x + 3
    assert float(tape.gradient(y, x)) == 2.0

    def one_training_step(model, images_batch, labels_batch):
        with keras.GradientTape() as tape:
            predictions = model(images_batch)
            loss = ops.sparse_categorical_crossentropy(labels_batch, predictions)
            average_loss = ops.mean(loss)
        gradients = tape.gradient(average_loss, model.weights)
        update_weights(gradients, model.weights)
        return average_loss

    printed = []

    def fit(model, images, labels, epochs, batch_size=128):
        for epoch_counter in range(epochs):
            batch_generator = BatchGenerator(images, labels)
            for batch_counter in range(batch_generator.num_batches):
                images_batch, labels_batch = batch_generator.next()
                loss = one_training_step(model, images_batch, labels_batch)
                if batch_counter % 100 == 0:
                    printed.append(f"loss at batch {batch_counter}: {loss:.2f}")

    train_images = train_images.reshape((2000, 28 * 28))
    train_images = train_images.astype("float32") / 255
    test_images = test_images.reshape((500, 28 * 28))
    test_images = test_images.astype("float32") / 255
    fit(model, train_images, train_labels, epochs=10, batch_size=128)
    assert float(printed[-1].split(": ")[1]) < 0.6 < float(printed[0].split(": ")[1])  # 2.30 -> 0.36

    predictions = model(test_images)
    predicted_labels = ops.argmax(predictions, axis=1)
    matches = predicted_labels == test_labels
    accuracy = f"accuracy: {ops.mean(matches):.2f}"
    assert float(accuracy.split(": ")[1]) > 0.8  # measured 0.87
