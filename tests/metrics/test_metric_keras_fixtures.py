"""Every built-in Metric class against Keras 3: three batches with sample weights, the result
after each batch (fixtures made by ``tests/fixtures/make_metric_fixtures.py``)."""
import json
import pathlib

import numpy as np
import pytest

from minikeras import metrics

FIXTURES = np.load(pathlib.Path(__file__).parents[1] / "fixtures" / "metrics_keras3.npz")
CASES = sorted({key.split("/")[0] for key in FIXTURES.files})


def run(case, weighted=True):
    spec = json.loads(str(FIXTURES[f"{case}/spec"]))
    metric = getattr(metrics, spec["class_name"])(**spec["kwargs"])
    y_true, y_pred, weights = (FIXTURES[f"{case}/{part}"] for part in ("y_true", "y_pred", "weights"))
    results = []
    for b in range(len(y_pred)):
        w = weights[b] if weighted else None
        if y_true.size == 0:
            metric.update_state(y_pred[b], sample_weight=w)
        else:
            metric.update_state(y_true[b], y_pred[b], sample_weight=w)
        results.append(np.asarray(metric.result(), dtype=np.float64))
    return metric, np.stack(results)


def test_every_metric_class_of_the_issue_has_a_fixture():
    covered = {json.loads(str(FIXTURES[f"{case}/spec"]))["class_name"] for case in CASES}
    assert covered == set(metrics.CLASSES) - {"Metric", "MeanMetricWrapper"}


@pytest.mark.parametrize("case", CASES)
def test_metric_matches_keras3_batch_by_batch(case):
    metric, results = run(case)
    np.testing.assert_allclose(results, FIXTURES[f"{case}/results"], rtol=2e-5, atol=2e-6,
                               err_msg=f"{case}: minikeras (actual) against Keras 3 (desired)")
    metric.reset_state()
    assert all(not np.any(v.numpy()) for v in metric.variables)
    clone = type(metric).from_config(metric.get_config())
    assert clone.get_config() == metric.get_config()
