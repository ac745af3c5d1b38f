"""Keras 3's stateless use of a metric (Deep Learning with Python, 3rd ed., ch. 7): the
state goes in and comes back out, and the metric's own state is never touched."""
import numpy as np
import pytest

from minikeras import metrics


def batches():
    rng = np.random.default_rng(0)
    for _ in range(3):
        yield rng.integers(0, 4, 16), rng.random((16, 4)).astype("float32")


@pytest.mark.parametrize("make", [metrics.SparseCategoricalAccuracy, lambda: metrics.Mean(name="m")])
def test_stateless_updates_give_the_stateful_result_and_leave_the_metric_alone(make):
    stateful, stateless = make(), make()
    state = stateless.stateless_reset_state()
    for labels, predictions in batches():
        args = (labels, predictions) if isinstance(stateful, metrics.SparseCategoricalAccuracy) else (predictions,)
        stateful.update_state(*args)
        state = stateless.stateless_update_state(state, *args)
        assert all(float(np.abs(v.numpy()).sum()) == 0 for v in stateless.variables)
    assert float(stateless.stateless_result(state).numpy()) == pytest.approx(float(stateful.result().numpy()))
    assert float(stateless.stateless_reset_state()[0].numpy()) == 0


def test_stateless_calls_check_the_number_and_shapes_of_the_variables():
    metric = metrics.Mean()
    with pytest.raises(ValueError, match="expected 2 metric variables.*received 1"):
        metric.stateless_update_state([np.zeros(())], np.ones(3))
    with pytest.raises(ValueError, match="shape"):
        metric.stateless_result([np.zeros(2), np.zeros(())])
