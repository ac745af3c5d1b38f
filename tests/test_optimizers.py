"""Optimizers against Keras 2's update rules (fixtures made by fixtures/make_training_fixtures.py)."""
import json
import os

import numpy as np
import pytest

from minikeras import GradientTape, Variable, ops, optimizers

FIXTURE = np.load(os.path.join(os.path.dirname(__file__), "fixtures", "training_optimizers.npz"))
CASES = json.loads(str(FIXTURE["cases"]))
X, Y = FIXTURE["x"], FIXTURE["y"]


def numpy_gradients(w, b):
    residual = X @ w + b - Y
    return [X.T @ residual, residual.sum(axis=0)]


def run(optimizer, steps, dtype=np.float64, w=None, b=None):
    """The values of the two weights after each of ``steps`` updates."""
    w = Variable(FIXTURE["w0"].astype(dtype), name="w") if w is None else w
    b = Variable(FIXTURE["b0"].astype(dtype), name="b") if b is None else b
    history = []
    for _ in range(steps):
        grads = numpy_gradients(w.numpy(), b.numpy())
        optimizer.apply_gradients(zip(grads, [w, b]))
        history.append((w.numpy().copy(), b.numpy().copy()))
    return history


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_first_five_updates_match_keras2(case):
    optimizer = getattr(optimizers, case["class_name"])(**case["kwargs"])
    for step, (w, b) in enumerate(run(optimizer, 5), start=1):
        np.testing.assert_allclose(w, FIXTURE[case["name"] + "/w"][step], rtol=1e-10, atol=1e-12,
                                   err_msg=f"{case['name']} ({case['source']}), step {step}")
        np.testing.assert_allclose(b, FIXTURE[case["name"] + "/b"][step], rtol=1e-10, atol=1e-12,
                                   err_msg=f"{case['name']} ({case['source']}), step {step}")
    assert optimizer.iterations == 5


@pytest.mark.parametrize("name", ["sgd_nesterov", "adam_amsgrad", "nadam"])
def test_float32_weights_stay_float32_and_close(name):
    case = next(c for c in CASES if c["name"] == name)
    optimizer = getattr(optimizers, case["class_name"])(**case["kwargs"])
    w, b = run(optimizer, 5, dtype=np.float32)[-1]
    assert w.dtype == np.float32 and b.dtype == np.float32
    np.testing.assert_allclose(w, FIXTURE[name + "/w"][5], rtol=1e-4, atol=1e-5)


def test_gradients_from_the_tape_drive_the_same_updates():
    case = next(c for c in CASES if c["name"] == "adam_clipnorm")
    optimizer = optimizers.Adam(**case["kwargs"])
    w, b = Variable(FIXTURE["w0"]), Variable(FIXTURE["b0"])
    for _ in range(5):
        with GradientTape() as tape:
            loss = 0.5 * ops.sum(ops.square(ops.matmul(X, w) + b - Y))
        optimizer.apply_gradients(zip(tape.gradient(loss, [w, b]), [w, b]))
    np.testing.assert_allclose(w.numpy(), FIXTURE["adam_clipnorm/w"][5], rtol=1e-10)


def test_none_gradients_are_skipped():
    w, frozen = Variable(np.ones(2)), Variable(np.ones(3))
    optimizer = optimizers.SGD(learning_rate=0.5, momentum=0.9)
    optimizer.apply_gradients([(np.ones(2), w), (None, frozen)])
    np.testing.assert_array_equal(w.numpy(), [0.5, 0.5])
    np.testing.assert_array_equal(frozen.numpy(), np.ones(3))
    assert optimizer.iterations == 1
    with pytest.raises(ValueError, match="no gradient was provided for any variable"):
        optimizer.apply_gradients([(None, w), (None, frozen)])


def test_clipnorm_is_global_over_the_step():
    a, b = Variable(np.zeros(1)), Variable(np.zeros(1))
    optimizers.SGD(learning_rate=1.0, clipnorm=1.0).apply_gradients([(np.array([3.0]), a), (np.array([4.0]), b)])
    # Norm 5 scaled to 1: the direction (3, 4) is kept, not each clipped to 1 separately.
    np.testing.assert_allclose([a.numpy()[0], b.numpy()[0]], [-0.6, -0.8])


def test_constraint_is_applied_after_the_update():
    w = Variable(np.array([0.5, -0.5]), constraint=lambda v: ops.clip(v, 0.0, None))
    optimizers.SGD(learning_rate=1.0).apply_gradients([(np.array([-1.0, 1.0]), w)])
    np.testing.assert_array_equal(w.numpy(), [1.5, 0.0])


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_get_set_weights_resume_exactly(case):
    make = lambda: getattr(optimizers, case["class_name"])(**case["kwargs"])  # noqa: E731
    straight = run(make(), 5)[-1]

    first = make()
    w, b = Variable(FIXTURE["w0"]), Variable(FIXTURE["b0"])
    run(first, 2, w=w, b=b)
    state = first.get_weights()
    assert int(state[0]) == 2
    resumed = make()
    resumed.set_weights(state)  # before the slots exist: restored when they are built
    last = run(resumed, 3, w=w, b=b)[-1]
    np.testing.assert_allclose(last[0], straight[0], rtol=1e-12)
    np.testing.assert_allclose(last[1], straight[1], rtol=1e-12)
    assert resumed.iterations == 5


def test_weights_are_iterations_then_slots_grouped_by_name():
    w, b = Variable(np.zeros((3, 2))), Variable(np.zeros(2))
    optimizer = optimizers.Adam(amsgrad=True)
    optimizer.apply_gradients([(np.ones((3, 2)), w), (np.ones(2), b)])
    shapes = [np.shape(a) for a in optimizer.get_weights()]
    assert shapes == [(), (3, 2), (2,), (3, 2), (2,), (3, 2), (2,)]
    with pytest.raises(ValueError, match=r"Adam.set_weights: expected 7 arrays .* got 3"):
        optimizer.set_weights(optimizer.get_weights()[:3])
    bad = optimizer.get_weights()
    bad[1] = np.zeros(4)
    with pytest.raises(ValueError, match=r"slot 'm' of weight .* has shape \(4,\), expected \(3, 2\)"):
        optimizer.set_weights(bad)


def test_keras2_defaults():
    defaults = {"SGD": 0.01, "RMSprop": 0.001, "Adagrad": 0.01, "Adadelta": 1.0, "Adam": 0.001,
                "Adamax": 0.002, "Nadam": 0.002}
    for name, lr in defaults.items():
        optimizer = optimizers.get(name.lower())
        assert type(optimizer).__name__ == name
        assert optimizer.learning_rate == lr and optimizer.decay == 0.0
        if name != "SGD":
            assert optimizer.epsilon == 1e-7
    assert optimizers.Nadam().schedule_decay == 0.004


def test_learning_rate_and_its_alias_lr():
    optimizer = optimizers.SGD(lr=0.5)
    assert optimizer.learning_rate == 0.5 and optimizer.lr == 0.5
    optimizer.lr = 0.25
    assert optimizer.learning_rate == 0.25
    optimizer.learning_rate = np.float32(0.125)
    assert optimizer.lr == 0.125
    with pytest.raises(ValueError, match=r"SGD: `learning_rate` must be a number >= 0, got -1"):
        optimizer.lr = -1


def test_config_round_trip_and_serialization():
    optimizer = optimizers.Adam(learning_rate=0.01, beta_1=0.8, amsgrad=True, clipnorm=1.5, decay=0.1)
    config = optimizer.get_config()
    assert config == {"learning_rate": 0.01, "decay": 0.1, "clipnorm": 1.5, "beta_1": 0.8,
                      "beta_2": 0.999, "epsilon": 1e-7, "amsgrad": True}
    clone = optimizers.deserialize(optimizers.serialize(optimizer))
    assert type(clone) is optimizers.Adam and clone.get_config() == config
    assert optimizers.get({"class_name": "sgd", "config": {"lr": 0.3}}).learning_rate == 0.3
    assert optimizers.get(optimizer) is optimizer


def test_bad_arguments_are_named():
    with pytest.raises(TypeError, match=r"SGD: unexpected keyword argument\(s\) \['momentun'\]"):
        optimizers.SGD(momentun=0.9)
    with pytest.raises(ValueError, match=r"Adam: `beta_1` must be a number in \[0, 1\), got 1.0"):
        optimizers.Adam(beta_1=1.0)
    with pytest.raises(ValueError, match=r"RMSprop: `clipnorm` must be a number >= 0, got -1"):
        optimizers.RMSprop(clipnorm=-1)
    with pytest.raises(ValueError, match=r"Unknown optimizer: 'adamw'"):
        optimizers.get("adamw")
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier: 3"):
        optimizers.get(3)
    w = Variable(np.zeros(3), name="kernel")
    with pytest.raises(ValueError, match=r"gradient of variable 'kernel' has shape \(2,\), expected .* \(3,\)"):
        optimizers.SGD().apply_gradients([(np.zeros(2), w)])
    with pytest.raises(TypeError, match=r"expects \(gradient, Variable\) pairs, got a ndarray"):
        optimizers.SGD().apply_gradients([(np.zeros(3), np.zeros(3))])


def test_learning_rate_is_a_keras_2_variable():
    """Keras 2 code reads and sets the rate with K.get_value / K.set_value."""
    from minikeras import backend as K

    optimizer = optimizers.SGD(lr=0.1)
    assert K.get_value(optimizer.lr) == 0.1
    K.set_value(optimizer.lr, 0.5)
    assert float(optimizer.learning_rate) == 0.5
    optimizer.lr = 0.25
    assert K.get_value(optimizer.lr) == 0.25
    assert optimizer.get_config()["learning_rate"] == 0.25
    with pytest.raises(ValueError, match="`learning_rate` must be a number >= 0"):
        optimizer.lr = -1.0
