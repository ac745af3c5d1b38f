"""The arguments Keras 3 added to the metric classes, against Keras 3 (fixtures made by
``tests/fixtures/make_metric_fixtures.py`` into ``metrics_keras3_arguments.npz``): ``AUC``'s
``multi_label``, ``num_labels``, ``label_weights`` and explicit thresholds,
``SparseTopKCategoricalAccuracy(from_sorted_ids=True)``, the cross-entropies' ``axis``; and the
cross-entropy losses (functions and classes) with ``axis``. Three batches with sample weights,
the result after each batch."""
import json
import pathlib

import numpy as np
import pytest

from minikeras import losses, metrics

FIXTURES = np.load(pathlib.Path(__file__).parents[1] / "fixtures" / "metrics_keras3_arguments.npz")
SPECS = {key.split("/")[0]: json.loads(str(FIXTURES[key])) for key in FIXTURES.files if key.endswith("/spec")}
METRIC_CASES = sorted(case for case, spec in SPECS.items() if spec.get("kind") != "loss")
LOSS_CASES = sorted(case for case, spec in SPECS.items() if spec.get("kind") == "loss")
TOLERANCE = {"rtol": 2e-5, "atol": 2e-6}  # as tests/metrics/test_metric_keras_fixtures.py


def arrays(case):
    return (FIXTURES[f"{case}/{part}"] for part in ("y_true", "y_pred", "weights"))


def test_every_new_argument_has_a_fixture():
    used = {(spec["class_name"], argument) for spec in SPECS.values() for argument in spec["kwargs"]}
    for argument in ("multi_label", "num_labels", "label_weights", "thresholds", "from_logits", "curve",
                     "summation_method"):
        assert ("AUC", argument) in used
    assert ("SparseTopKCategoricalAccuracy", "from_sorted_ids") in used
    for class_name in ("CategoricalCrossentropy", "SparseCategoricalCrossentropy"):
        assert (class_name, "axis") in used
    assert {SPECS[case]["class_name"] for case in LOSS_CASES} == {
        "BinaryCrossentropy", "CategoricalCrossentropy", "SparseCategoricalCrossentropy"}


@pytest.mark.parametrize("case", METRIC_CASES)
def test_metric_argument_matches_keras3_batch_by_batch(case):
    spec = SPECS[case]
    metric = getattr(metrics, spec["class_name"])(**spec["kwargs"])
    y_true, y_pred, weights = arrays(case)
    results = []
    for b in range(len(y_pred)):
        metric.update_state(y_true[b], y_pred[b], sample_weight=weights[b])
        results.append(np.asarray(metric.result(), dtype=np.float64))
    np.testing.assert_allclose(np.stack(results), FIXTURES[f"{case}/results"], **TOLERANCE,
                               err_msg=f"{case}: minikeras (actual) against Keras 3 (desired)")
    config = metric.get_config()
    clone = type(metric).from_config(config)
    assert clone.get_config() == config
    for b in range(len(y_pred)):  # the clone counts the same
        clone.update_state(y_true[b], y_pred[b], sample_weight=weights[b])
    np.testing.assert_allclose(float(clone.result()), float(metric.result()), rtol=1e-6)
    metric.reset_state()
    assert all(not np.any(v.numpy()) for v in metric.variables)


@pytest.mark.parametrize("case", LOSS_CASES)
def test_crossentropy_loss_with_axis_matches_keras3(case):
    spec = SPECS[case]
    kwargs = dict(spec["kwargs"])
    loss = getattr(losses, spec["class_name"])(**kwargs)
    kwargs.pop("reduction", None)
    function = {"BinaryCrossentropy": losses.binary_crossentropy,
                "CategoricalCrossentropy": losses.categorical_crossentropy,
                "SparseCategoricalCrossentropy": losses.sparse_categorical_crossentropy}[spec["class_name"]]
    y_true, y_pred, weights = arrays(case)
    for b in range(len(y_pred)):
        np.testing.assert_allclose(function(y_true[b], y_pred[b], **kwargs).numpy(), FIXTURES[f"{case}/values"][b],
                                   **TOLERANCE, err_msg=f"{case}, batch {b}: the function against Keras 3")
        np.testing.assert_allclose(loss(y_true[b], y_pred[b], sample_weight=weights[b]).numpy(),
                                   FIXTURES[f"{case}/results"][b], **TOLERANCE,
                                   err_msg=f"{case}, batch {b}: the Loss object against Keras 3")
    assert type(loss).from_config(loss.get_config()).get_config() == loss.get_config()
