"""Deep Learning with Python, 2nd edition (tf.keras) and 3rd edition (Keras 3), chapter 7
("Working with Keras: a deep dive"), cell by cell with the import changed to minikeras.

The three ways to build a model (Sequential, functional with several inputs and outputs,
subclassing, and mixing them); ``get_mnist_model`` with ``compile``/``fit``/``evaluate``/
``predict``; a ``Metric`` subclass (``RootMeanSquaredError``); ``EarlyStopping`` and
``ModelCheckpoint`` to a ``.keras`` file, ``load_model``; the ``LossHistory`` callback that
saves a plot each epoch; ``TensorBoard``; a training loop written by hand with metrics; and
``fit`` driven by a custom ``train_step`` (with a ``loss_tracker``, with ``compiled_loss`` /
``compiled_metrics`` in the 2nd edition and ``compute_loss`` / ``self.metrics`` in the 3rd).

Translated, not run as such: ``tf.GradientTape`` is ``minikeras.GradientTape``; the
``tf.data.Dataset`` loop is a loop over NumPy slices; ``tf.one_hot``/``tf.reduce_sum``/
``tf.shape`` in the 2nd edition's metric are the ``ops`` names of the 3rd. Left out: the
``@tf.function`` cells, the 3rd edition's PyTorch and JAX cells (``loss.backward()``,
``stateless_call``, ``jax.value_and_grad``, ``metric.stateless_update_state``). The data: the
first 1,500 MNIST images (500 for validation) instead of 60,000, and fewer epochs.
"""
import os

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers, ops


# --- the three ways to build a model ------------------------------------------------------------------
def test_sequential_functional_and_subclassed_models(fresh_seed, tmp_path, capsys):
    model = keras.Sequential([layers.Dense(64, activation="relu"), layers.Dense(10, activation="softmax")])
    model = keras.Sequential()
    model.add(layers.Dense(64, activation="relu"))
    model.add(layers.Dense(10, activation="softmax"))
    assert model.weights == []  # not built yet
    model.build(input_shape=(None, 3))
    assert [tuple(w.shape) for w in model.weights] == [(3, 64), (64,), (64, 10), (10,)]
    model = keras.Sequential(name="my_example_model")
    model.add(layers.Dense(64, activation="relu", name="my_first_layer"))
    model.add(layers.Dense(10, activation="softmax", name="my_last_layer"))
    model.build((None, 3))
    model.summary(line_length=80)
    assert "my_first_layer (Dense)" in capsys.readouterr().out
    model = keras.Sequential()
    model.add(keras.Input(shape=(3,)))
    model.add(layers.Dense(64, activation="relu"))
    model.summary(line_length=80)
    model.add(layers.Dense(10, activation="softmax"))
    model.summary(line_length=80)
    assert "Total params: 906" in capsys.readouterr().out

    inputs = keras.Input(shape=(3,), name="my_input")
    features = layers.Dense(64, activation="relu")(inputs)
    outputs = layers.Dense(10, activation="softmax")(features)
    model = keras.Model(inputs=inputs, outputs=outputs, name="my_functional_model")
    assert tuple(inputs.shape) == (None, 3) and str(inputs.dtype) == "float32"
    assert tuple(features.shape) == (None, 64)

    # Multi-input, multi-output: the ticket classifier (a vocabulary of 500 instead of 10,000).
    vocabulary_size, num_tags, num_departments = 500, 100, 4
    title = keras.Input(shape=(vocabulary_size,), name="title")
    text_body = keras.Input(shape=(vocabulary_size,), name="text_body")
    tags = keras.Input(shape=(num_tags,), name="tags")
    features = layers.Concatenate()([title, text_body, tags])
    features = layers.Dense(64, activation="relu", name="dense_features")(features)
    priority = layers.Dense(1, activation="sigmoid", name="priority")(features)
    department = layers.Dense(num_departments, activation="softmax", name="department")(features)
    model = keras.Model(inputs=[title, text_body, tags], outputs=[priority, department])

    num_samples = 256  # the notebook: 1280
    title_data = np.random.randint(0, 2, size=(num_samples, vocabulary_size))
    text_body_data = np.random.randint(0, 2, size=(num_samples, vocabulary_size))
    tags_data = np.random.randint(0, 2, size=(num_samples, num_tags))
    priority_data = np.random.random(size=(num_samples, 1))
    department_data = np.random.randint(0, 2, size=(num_samples, num_departments))
    model.compile(optimizer="adam", loss=["mean_squared_error", "categorical_crossentropy"],
                  metrics=[["mean_absolute_error"], ["accuracy"]])
    history = model.fit([title_data, text_body_data, tags_data], [priority_data, department_data], epochs=1,
                        verbose=0)
    assert sorted(history.history) == ["department_accuracy", "department_loss", "loss",
                                       "priority_loss", "priority_mean_absolute_error"]
    assert len(model.evaluate([title_data, text_body_data, tags_data], [priority_data, department_data],
                              verbose=0)) == 5
    priority_preds, department_preds = model.predict([title_data, text_body_data, tags_data], verbose=0)
    assert priority_preds.shape == (256, 1) and department_preds.shape == (256, 4)

    model.compile(optimizer="adam",
                  loss={"priority": "mean_squared_error", "department": "categorical_crossentropy"},
                  metrics={"priority": ["mean_absolute_error"], "department": ["accuracy"]})
    data = {"title": title_data, "text_body": text_body_data, "tags": tags_data}
    targets = {"priority": priority_data, "department": department_data}
    history = model.fit(data, targets, epochs=3, verbose=0)
    assert history.history["priority_loss"][-1] < history.history["priority_loss"][0]
    model.evaluate(data, targets, verbose=0)
    priority_preds, department_preds = model.predict(data, verbose=0)

    keras.utils.plot_model(model, str(tmp_path / "ticket_classifier.png"))
    keras.utils.plot_model(model, str(tmp_path / "ticket_classifier_with_shape_info.png"), show_shapes=True,
                           show_layer_names=True)
    assert os.path.getsize(tmp_path / "ticket_classifier_with_shape_info.png") > 0
    assert [layer.name for layer in model.layers][:3] == ["title", "text_body", "tags"]
    assert [tuple(x.shape) for x in model.layers[3].input] == [(None, 500), (None, 500), (None, 100)]
    assert tuple(model.layers[3].output.shape) == (None, 1100)
    features = model.layers[4].output
    difficulty = layers.Dense(3, activation="softmax", name="difficulty")(features)
    new_model = keras.Model(inputs=[title, text_body, tags], outputs=[priority, department, difficulty])
    assert len(new_model.predict(data, verbose=0)) == 3

    # The same model, subclassed: call() takes the dict of inputs by name (Keras 3 and tf.keras).
    class CustomerTicketModel(keras.Model):
        def __init__(self, num_departments):
            super().__init__()
            self.concat_layer = layers.Concatenate()
            self.mixing_layer = layers.Dense(64, activation="relu")
            self.priority_scorer = layers.Dense(1, activation="sigmoid")
            self.department_classifier = layers.Dense(num_departments, activation="softmax")

        def call(self, inputs):
            title = inputs["title"]
            text_body = inputs["text_body"]
            tags = inputs["tags"]
            features = self.concat_layer([title, text_body, tags])
            features = self.mixing_layer(features)
            priority = self.priority_scorer(features)
            department = self.department_classifier(features)
            return priority, department

    model = CustomerTicketModel(num_departments=4)
    priority, department = model(data)
    assert tuple(priority.shape) == (256, 1) and tuple(department.shape) == (256, 4)
    model.compile(optimizer="adam", loss=["mean_squared_error", "categorical_crossentropy"],
                  metrics=[["mean_absolute_error"], ["accuracy"]])
    history = model.fit(data, [priority_data, department_data], epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    model.evaluate(data, [priority_data, department_data], verbose=0)
    priority_preds, department_preds = model.predict(data, verbose=0)
    assert department_preds.shape == (256, 4)

    class Classifier(keras.Model):
        def __init__(self, num_classes=2):
            super().__init__()
            if num_classes == 2:
                num_units = 1
                activation = "sigmoid"
            else:
                num_units = num_classes
                activation = "softmax"
            self.dense = layers.Dense(num_units, activation=activation)

        def call(self, inputs):
            return self.dense(inputs)

    inputs = keras.Input(shape=(3,))
    features = layers.Dense(64, activation="relu")(inputs)
    outputs = Classifier(num_classes=10)(features)
    model = keras.Model(inputs=inputs, outputs=outputs)
    assert model.predict(np.zeros((2, 3)), verbose=0).shape == (2, 10)

    inputs = keras.Input(shape=(64,))
    outputs = layers.Dense(1, activation="sigmoid")(inputs)
    binary_classifier = keras.Model(inputs=inputs, outputs=outputs)

    class MyModel(keras.Model):
        def __init__(self, num_classes=2):
            super().__init__()
            self.dense = layers.Dense(64, activation="relu")
            self.classifier = binary_classifier

        def call(self, inputs):
            features = self.dense(inputs)
            return self.classifier(features)

    model = MyModel()
    assert tuple(model(np.zeros((2, 3))).shape) == (2, 1)


# --- the MNIST model, metrics, callbacks ---------------------------------------------------------------
def get_mnist_model():
    inputs = keras.Input(shape=(28 * 28,))
    features = layers.Dense(512, activation="relu")(inputs)
    features = layers.Dropout(0.5)(features)
    outputs = layers.Dense(10, activation="softmax")(features)
    model = keras.Model(inputs, outputs)
    return model


@pytest.fixture
def mnist_split(mnist_small):
    (images, labels), (test_images, test_labels) = mnist_small
    images = images.reshape((2000, 28 * 28)).astype("float32") / 255
    test_images = test_images.reshape((500, 28 * 28)).astype("float32") / 255
    train_images, val_images = images[500:1500], images[:500]  # the notebook: [10000:], [:10000]
    train_labels, val_labels = labels[500:1500], labels[:500]
    return train_images, train_labels, val_images, val_labels, test_images, test_labels


class RootMeanSquaredError2(keras.metrics.Metric):
    """The 2nd edition's metric (its tf calls written with ops); the count is an int32 weight."""

    def __init__(self, name="rmse", **kwargs):
        super().__init__(name=name, **kwargs)
        self.mse_sum = self.add_weight(name="mse_sum", initializer="zeros")
        self.total_samples = self.add_weight(name="total_samples", initializer="zeros", dtype="int32")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = ops.one_hot(y_true, ops.shape(y_pred)[1])
        mse = ops.sum(ops.square(y_true - y_pred))
        self.mse_sum.assign_add(mse)
        num_samples = ops.shape(y_pred)[0]
        self.total_samples.assign_add(num_samples)

    def result(self):
        return ops.sqrt(self.mse_sum / ops.cast(self.total_samples, "float32"))

    def reset_state(self):
        self.mse_sum.assign(0.)
        self.total_samples.assign(0)


class RootMeanSquaredError3(keras.metrics.Metric):
    """The 3rd edition's metric, in keras.ops."""

    def __init__(self, name="rmse", **kwargs):
        super().__init__(name=name, **kwargs)
        self.mse_sum = self.add_weight(name="mse_sum", initializer="zeros")
        self.total_samples = self.add_weight(name="total_samples", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = ops.one_hot(y_true, num_classes=ops.shape(y_pred)[1])
        mse = ops.sum(ops.square(y_true - y_pred))
        self.mse_sum.assign_add(mse)
        num_samples = ops.shape(y_pred)[0]
        self.total_samples.assign_add(num_samples)

    def result(self):
        return ops.sqrt(self.mse_sum / self.total_samples)

    def reset_state(self):
        self.mse_sum.assign(0.)
        self.total_samples.assign(0)


@pytest.mark.parametrize("edition, optimizer, metric_class", [
    ("2nd", "rmsprop", RootMeanSquaredError2), ("3rd", "adam", RootMeanSquaredError3)])
def test_get_mnist_model_and_a_custom_metric(mnist_split, fresh_seed, edition, optimizer, metric_class):
    train_images, train_labels, val_images, val_labels, test_images, test_labels = mnist_split
    model = get_mnist_model()
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(train_images, train_labels, epochs=3, validation_data=(val_images, val_labels), verbose=0)
    test_metrics = model.evaluate(test_images, test_labels, verbose=0)
    predictions = model.predict(test_images, verbose=0)
    assert test_metrics[1] > 0.8 and predictions.shape == (500, 10)  # measured 0.84-0.86

    model = get_mnist_model()
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                  metrics=["accuracy", metric_class()])
    history = model.fit(train_images, train_labels, epochs=3, validation_data=(val_images, val_labels),
                        verbose=0)
    test_metrics = model.evaluate(test_images, test_labels, verbose=0)
    assert list(history.history) == ["loss", "accuracy", "rmse", "val_loss", "val_accuracy", "val_rmse"]
    assert history.history["accuracy"][-1] > 0.84  # measured 0.875-0.88
    # The metric's value is the RMSE over the whole evaluation (reset before it), not over a batch.
    predictions = model.predict(test_images, verbose=0)
    expected = np.sqrt(np.sum((np.eye(10)[test_labels] - predictions) ** 2) / len(test_labels))
    assert abs(test_metrics[2] - expected) < 1e-4


def test_early_stopping_checkpoint_loss_history_and_tensorboard(mnist_split, fresh_seed, tmp_path, monkeypatch):
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    monkeypatch.chdir(tmp_path)
    train_images, train_labels, val_images, val_labels, _, _ = mnist_split
    callbacks_list = [
        keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=2),  # the 3rd edition: "accuracy", 1
        keras.callbacks.ModelCheckpoint(filepath="checkpoint_path.keras", monitor="val_loss", save_best_only=True),
    ]
    model = get_mnist_model()
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(train_images, train_labels, epochs=6, callbacks=callbacks_list,
                        validation_data=(val_images, val_labels), verbose=0)
    val_accuracy, val_loss = history.history["val_accuracy"], history.history["val_loss"]
    if len(val_accuracy) < 6:  # stopped: no improvement in the last two epochs
        assert max(val_accuracy[-2:]) <= max(val_accuracy[:-2])
    model = keras.models.load_model("checkpoint_path.keras")
    reloaded_loss = model.evaluate(val_images, val_labels, verbose=0)[0]
    assert abs(reloaded_loss - min(val_loss)) < 1e-4  # the best epoch's model was kept

    class LossHistory(keras.callbacks.Callback):
        def on_train_begin(self, logs):
            self.per_batch_losses = []

        def on_batch_end(self, batch, logs):
            self.per_batch_losses.append(logs.get("loss"))

        def on_epoch_end(self, epoch, logs):
            plt.clf()
            plt.plot(range(len(self.per_batch_losses)), self.per_batch_losses,
                     label="Training loss for each batch")
            plt.xlabel(f"Batch (epoch {epoch})")
            plt.ylabel("Loss")
            plt.legend()
            plt.savefig(f"plot_at_epoch_{epoch}", dpi=30)
            self.per_batch_losses = []

    model = get_mnist_model()
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    loss_history = LossHistory()
    model.fit(train_images, train_labels, epochs=2, callbacks=[loss_history],
              validation_data=(val_images, val_labels), verbose=0)
    assert os.path.exists("plot_at_epoch_0.png") and os.path.exists("plot_at_epoch_1.png")

    pytest.importorskip("tensorboard")
    model = get_mnist_model()
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    tensorboard = keras.callbacks.TensorBoard(log_dir=str(tmp_path / "logs"))
    model.fit(train_images, train_labels, epochs=2, validation_data=(val_images, val_labels),
              callbacks=[tensorboard], verbose=0)
    assert os.listdir(tmp_path / "logs" / "train") and os.listdir(tmp_path / "logs" / "validation")


# --- writing your own training loops --------------------------------------------------------------------
def test_2nd_edition_a_complete_training_and_evaluation_loop(mnist_split, fresh_seed):
    train_images, train_labels, val_images, val_labels, _, _ = mnist_split
    model = get_mnist_model()
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    optimizer = keras.optimizers.RMSprop()
    metrics = [keras.metrics.SparseCategoricalAccuracy()]
    loss_tracking_metric = keras.metrics.Mean()

    def train_step(inputs, targets):
        with keras.GradientTape() as tape:
            predictions = model(inputs, training=True)
            loss = loss_fn(targets, predictions)
        gradients = tape.gradient(loss, model.trainable_weights)
        optimizer.apply_gradients(zip(gradients, model.trainable_weights))
        logs = {}
        for metric in metrics:
            metric.update_state(targets, predictions)
            logs[metric.name] = metric.result()
        loss_tracking_metric.update_state(loss)
        logs["loss"] = loss_tracking_metric.result()
        return logs

    def reset_metrics():
        for metric in metrics:
            metric.reset_state()
        loss_tracking_metric.reset_state()

    printed = []
    epochs = 3
    for epoch in range(epochs):
        reset_metrics()
        for start in range(0, len(train_images), 32):  # for inputs_batch, targets_batch in training_dataset
            logs = train_step(train_images[start:start + 32], train_labels[start:start + 32])
        printed.append([f"...{key}: {value:.4f}" for key, value in logs.items()])
    assert printed[0][0].startswith("...sparse_categorical_accuracy: ") and printed[0][1].startswith("...loss: ")
    first, last = (float(line[1].split(": ")[1]) for line in (printed[0], printed[-1]))
    assert last < 0.7 * first  # the epoch's mean loss: measured 0.85 -> 0.30

    def test_step(inputs, targets):
        predictions = model(inputs, training=False)
        loss = loss_fn(targets, predictions)
        logs = {}
        for metric in metrics:
            metric.update_state(targets, predictions)
            logs["val_" + metric.name] = metric.result()
        loss_tracking_metric.update_state(loss)
        logs["val_loss"] = loss_tracking_metric.result()
        return logs

    reset_metrics()
    for start in range(0, len(val_images), 32):
        logs = test_step(val_images[start:start + 32], val_labels[start:start + 32])
    assert float(logs["val_sparse_categorical_accuracy"]) > 0.85  # measured 0.88
    expected = np.mean(model.predict(val_images, verbose=0).argmax(axis=1) == val_labels)
    assert abs(float(logs["val_sparse_categorical_accuracy"]) - expected) < 1e-6


def test_3rd_edition_low_level_metrics_and_a_training_step(mnist_split, fresh_seed):
    train_images, train_labels, _, _, _, _ = mnist_split
    metric = keras.metrics.SparseCategoricalAccuracy()
    targets = ops.array([0, 1, 2])
    predictions = ops.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]])
    metric.update_state(targets, predictions)
    current_result = metric.result()
    assert f"result: {current_result:.2f}" == "result: 1.00"
    values = ops.array([0, 1, 2, 3, 4])
    mean_tracker = keras.metrics.Mean()
    for value in values:
        mean_tracker.update_state(value)
    assert f"Mean of values: {mean_tracker.result():.2f}" == "Mean of values: 2.00"

    model = get_mnist_model()
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    optimizer = keras.optimizers.Adam()

    def train_step(inputs, targets):
        with keras.GradientTape() as tape:  # the TensorFlow training step
            predictions = model(inputs, training=True)
            loss = loss_fn(targets, predictions)
        gradients = tape.gradient(loss, model.trainable_weights)
        optimizer.apply(gradients, model.trainable_weights)
        return loss

    batch_size = 32
    losses = []
    for start in range(0, 960, batch_size):
        inputs, targets = train_images[start:start + batch_size], train_labels[start:start + batch_size]
        losses.append(float(train_step(inputs, targets)))
    assert np.mean(losses[-5:]) < 0.5 * losses[0]


def get_custom_model(model_class, **compile_arguments):
    inputs = keras.Input(shape=(28 * 28,))
    features = layers.Dense(512, activation="relu")(inputs)
    features = layers.Dropout(0.5)(features)
    outputs = layers.Dense(10, activation="softmax")(features)
    model = model_class(inputs, outputs)
    model.compile(**compile_arguments)
    return model


def test_fit_with_a_custom_train_step_and_a_loss_tracker(mnist_split, fresh_seed):
    train_images, train_labels, _, _, _, _ = mnist_split
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    loss_tracker = keras.metrics.Mean(name="loss")
    optimizer = keras.optimizers.RMSprop()  # the 2nd edition steps a global optimizer

    class CustomModel(keras.Model):
        def train_step(self, data):
            inputs, targets = data
            with keras.GradientTape() as tape:
                predictions = self(inputs, training=True)
                loss = loss_fn(targets, predictions)
            gradients = tape.gradient(loss, model.trainable_weights)
            optimizer.apply_gradients(zip(gradients, model.trainable_weights))
            loss_tracker.update_state(loss)
            return {"loss": loss_tracker.result()}

        @property
        def metrics(self):
            return [loss_tracker]

    model = get_custom_model(CustomModel, optimizer=keras.optimizers.RMSprop())
    history = model.fit(train_images, train_labels, epochs=3, verbose=0)
    loss = history.history["loss"]
    assert list(history.history) == ["loss"] and loss[-1] < 0.5 * loss[0]  # reset each epoch: 1.16 -> 0.43

    class CustomModel(keras.Model):  # the 3rd edition: the model's own optimizer, optimizer.apply
        def train_step(self, data):
            inputs, targets = data
            with keras.GradientTape() as tape:
                predictions = self(inputs, training=True)
                loss = loss_fn(targets, predictions)
            gradients = tape.gradient(loss, model.trainable_weights)
            self.optimizer.apply(gradients, model.trainable_weights)
            loss_tracker.update_state(loss)
            return {"loss": loss_tracker.result()}

        @property
        def metrics(self):
            return [loss_tracker]

    model = get_custom_model(CustomModel, optimizer=keras.optimizers.Adam())
    loss = model.fit(train_images, train_labels, epochs=3, verbose=0).history["loss"]
    assert loss[-1] < 0.5 * loss[0]


def test_fit_with_a_custom_train_step_and_the_compiled_metrics(mnist_split, fresh_seed):
    train_images, train_labels, _, _, _, _ = mnist_split
    optimizer = keras.optimizers.RMSprop()

    class CustomModel(keras.Model):  # the 2nd edition (tf.keras 2.x)
        def train_step(self, data):
            inputs, targets = data
            with keras.GradientTape() as tape:
                predictions = self(inputs, training=True)
                loss = self.compiled_loss(targets, predictions)
            gradients = tape.gradient(loss, model.trainable_weights)
            optimizer.apply_gradients(zip(gradients, model.trainable_weights))
            self.compiled_metrics.update_state(targets, predictions)
            return {m.name: m.result() for m in self.metrics}

    model = get_custom_model(CustomModel, optimizer=keras.optimizers.RMSprop(),
                             loss=keras.losses.SparseCategoricalCrossentropy(),
                             metrics=[keras.metrics.SparseCategoricalAccuracy()])
    history = model.fit(train_images, train_labels, epochs=3, verbose=0)
    assert history.history["sparse_categorical_accuracy"][-1] > 0.85  # measured 0.88
    assert history.history["loss"][-1] < history.history["loss"][0]

    class CustomModel(keras.Model):  # the 3rd edition (Keras 3)
        def train_step(self, data):
            inputs, targets = data
            with keras.GradientTape() as tape:
                predictions = self(inputs, training=True)
                loss = self.compute_loss(y=targets, y_pred=predictions)
            gradients = tape.gradient(loss, model.trainable_weights)
            self.optimizer.apply(gradients, model.trainable_weights)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(targets, predictions)
            return {m.name: m.result() for m in self.metrics}

    model = get_custom_model(CustomModel, optimizer=keras.optimizers.Adam(),
                             loss=keras.losses.SparseCategoricalCrossentropy(),
                             metrics=[keras.metrics.SparseCategoricalAccuracy()])
    history = model.fit(train_images, train_labels, epochs=3, verbose=0)
    assert sorted(history.history) == ["loss", "sparse_categorical_accuracy"]
    assert history.history["sparse_categorical_accuracy"][-1] > 0.85
