"""Issue 12's layers inside models: saving and loading, JSON, the summary's parameter counts."""
import numpy as np

from minikeras import Input, Model, layers, models
from minikeras.models import Sequential


def test_sequential_with_every_kind_saves_and_loads(tmp_path):
    model = Sequential([
        layers.Embedding(20, 4, input_length=5), layers.Flatten(), layers.Dense(8),
        layers.BatchNormalization(), layers.LeakyReLU(0.1), layers.PReLU(), layers.ELU(),
        layers.ThresholdedReLU(0.1), layers.ReLU(max_value=6.0), layers.GaussianNoise(0.1),
        layers.GaussianDropout(0.1), layers.AlphaDropout(0.1), layers.Dense(3), layers.Softmax(),
    ])
    model.compile("adam", "sparse_categorical_crossentropy")
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 20, (16, 5)), rng.integers(0, 3, 16)
    model.fit(x, y, epochs=1, verbose=0)
    model.save(str(tmp_path / "model.npz"))
    loaded = models.load_model(str(tmp_path / "model.npz"))
    np.testing.assert_allclose(loaded.predict(x), model.predict(x), rtol=1e-6)
    again = models.model_from_json(model.to_json())
    assert [type(layer).__name__ for layer in again.layers] == [type(layer).__name__ for layer in model.layers]
    lines = []
    model.summary(print_fn=lines.append)
    assert "Non-trainable params: 16" in lines and "Trainable params: 299" in lines


def test_functional_merges_and_locally_connected_save_and_load(tmp_path):
    a, b = Input((3,)), Input((3,))
    merged = layers.concatenate([layers.add([a, b]), layers.subtract([a, b]), layers.multiply([a, b]),
                                 layers.average([a, b]), layers.maximum([a, b]), layers.minimum([a, b]),
                                 layers.dot([a, b], axes=1, normalize=True)])
    image = Input((5, 5, 1))
    local = layers.Flatten()(layers.LocallyConnected2D(2, 3)(image))
    sequence = Input((6, 2))
    local1d = layers.Flatten()(layers.LocallyConnected1D(2, 3)(sequence))
    out = layers.Dense(2)(layers.concatenate([merged, local, local1d]))
    model = Model([a, b, image, sequence], out)
    model.compile("sgd", "mse")
    rng = np.random.default_rng(1)
    data = [rng.random((4, 3)), rng.random((4, 3)), rng.random((4, 5, 5, 1)), rng.random((4, 6, 2))]
    model.fit(data, np.zeros((4, 2)), verbose=0)
    model.save(str(tmp_path / "functional.npz"))
    loaded = models.load_model(str(tmp_path / "functional.npz"))
    np.testing.assert_allclose(loaded.predict(data), model.predict(data), rtol=1e-6)
