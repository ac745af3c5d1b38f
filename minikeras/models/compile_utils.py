"""What the arguments of ``compile`` mean for each output of a model.

``compile`` accepts one value for the whole model, a list with one entry per output, or a
dict keyed by output name (Keras 2)::

    model.compile("sgd", loss="mse")                                  # every output
    model.compile("sgd", loss=["mse", "binary_crossentropy"])         # in output order
    model.compile("sgd", loss={"score": "mse"}, metrics={"label": ["acc"]})

The functions below turn each argument into a list with one entry per output
(``per_output``), check it, and name what training logs: ``loss``, ``<output>_loss`` for each
trained output of a multi-output model, then each metric (``acc``, ``<output>_acc``, ...).
``training.py`` calls them; nothing here touches data.
"""
import copy

__all__ = [
    "per_output", "nested_metrics", "resolve_losses", "resolve_loss_weights",
    "resolve_sample_weight_modes", "resolve_metrics",
]


def per_output(value, names, what, default=None):
    """One entry per output from a single value, a list or a dict keyed by output name."""
    if isinstance(value, dict):
        unknown = [key for key in value if key not in names]
        if unknown:
            raise ValueError(
                f"Unknown entries in the {what} dictionary: {unknown}. Only expected the output "
                f"names {names}."
            )
        return [value.get(name, default) for name in names]
    if isinstance(value, (list, tuple)):
        if len(value) != len(names):
            raise ValueError(
                f"When passing a list as {what}, it should have one entry per model output. The "
                f"model has {len(names)} output(s) ({names}), but the list has {len(value)} entries."
            )
        return list(value)
    return [value] * len(names)


def nested_metrics(metrics, names):
    """Keras 2's ``collect_metrics``: a list applies to every output; a dict goes by name."""
    if not metrics:
        return [[] for _ in names]
    if not isinstance(metrics, (list, tuple, dict)) and (isinstance(metrics, str) or callable(metrics)
                                                         or hasattr(metrics, "update_state")):
        metrics = [metrics]  # tf.keras accepts one metric alone: metrics='accuracy'
    if isinstance(metrics, (list, tuple)):
        if len(names) > 1 and metrics and all(isinstance(m, (list, tuple)) for m in metrics):
            return [list(m) for m in per_output(list(metrics), names, "metrics")]
        return [list(metrics) for _ in names]
    if isinstance(metrics, dict):
        per_output_metrics = per_output(metrics, names, "metrics", default=[])
        return [list(m) if isinstance(m, (list, tuple)) else [m] for m in per_output_metrics]
    raise TypeError(
        f"Type of `metrics` argument not understood. Expected a list or dictionary, found: {metrics!r}"
    )


def resolve_losses(loss, names, model_name):
    """The loss function of each output (None for an output that is not trained).

    Raises:
        ValueError: for an unknown loss, a list or dict that does not match the outputs, or
            a loss that leaves every output untrained.
    """
    from minikeras import losses

    functions = [losses.get(l) for l in per_output(loss, names, "loss")]
    if all(fn is None for fn in functions):
        raise ValueError(f"Model {model_name!r}: the loss given to compile() leaves every output without a loss.")
    return functions


def resolve_loss_weights(loss_weights, names):
    """The factor of each output's loss in the total (1.0 when ``loss_weights`` is None)."""
    weights = per_output(loss_weights, names, "loss_weights", default=1.0) if loss_weights is not None \
        else [1.0] * len(names)
    factors = []
    for name, weight in zip(names, weights):
        try:
            factor = None if isinstance(weight, (bool, str, bytes)) else float(weight)
        except (TypeError, ValueError):
            factor = None
        if factor is None:
            raise ValueError(
                f"loss_weights: the weight of output {name!r} must be a number, received {weight!r}."
            )
        factors.append(factor)
    return factors


def resolve_sample_weight_modes(sample_weight_mode, names, model_name):
    """The sample weight mode of each output: None (per sample) or ``'temporal'`` (per timestep)."""
    modes = per_output(sample_weight_mode, names, "sample_weight_mode")
    for mode in modes:
        if mode not in (None, "temporal"):
            raise ValueError(
                f"Model {model_name!r}: sample_weight_mode should be None or 'temporal', received {mode!r}."
            )
    return modes


def resolve_metrics(names, loss_functions, output_shapes, metric_requests):
    """The log labels and metric functions, once the output shapes are known.

    Args:
        names: the output names.
        loss_functions: the loss function of each output, or None if it is not trained.
        output_shapes: the shape of each output (``'accuracy'`` needs it to pick its kind).
        metric_requests: ``(metrics, weighted_metrics)``, each as ``nested_metrics`` returns.

    Returns:
        ``(labels, metric_specs)``: ``labels`` is ``['loss', <output>_loss..., metrics...]``,
        the names of what ``evaluate`` returns and ``fit`` logs; ``metric_specs`` has one
        ``(output index, function, weighted)`` per metric label, in the same order.
    """
    from minikeras import metrics as metrics_module

    multi = len(names) > 1
    labels = ["loss"] + [f"{name}_loss" for name, fn in zip(names, loss_functions)
                         if multi and fn is not None]
    metric_specs = []  # (output index, function, weighted)
    for weighted, requests in zip((False, True), metric_requests):
        for i, requested in enumerate(requests):
            if loss_functions[i] is None:
                continue  # an output that is not trained has no targets to compare with
            shape = output_shapes[i]
            for identifier in requested:
                fn, name = metrics_module.resolve(identifier, loss_functions[i], shape)
                if isinstance(fn, metrics_module.Metric):
                    # A Metric object keeps a state: one per output it is computed for.
                    fn = copy.deepcopy(fn) if any(fn is spec[1] for spec in metric_specs) else fn
                name = ("weighted_" if weighted else "") + name
                label = _unique_label(f"{names[i]}_{name}" if multi else name, labels)
                labels.append(label)
                metric_specs.append((i, fn, weighted))
    return labels, metric_specs


def _unique_label(label, labels):
    base, suffix = label, 1
    while label in labels:
        label = f"{base}_{suffix}"
        suffix += 1
    return label
