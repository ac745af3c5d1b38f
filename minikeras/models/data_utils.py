"""The data of ``fit``, ``evaluate`` and ``predict``: checked, arranged, split and batched.

Before anything is computed, the user's ``x``, ``y``, ``sample_weight`` and ``class_weight``
become three lists with one entry per model input or output (Keras 2's
``_standardize_user_data``)::

    xs, ys, weights = standardize(model, x, y, sample_weight, class_weight)
    # xs[i]: the array of input i; ys[j]: the targets of output j (None if it is not
    # trained); weights[j]: one weight per sample of output j, or None

Each array is checked against the model: the number of arrays, the shapes (the batch axis
excepted), the same number of samples everywhere, and targets that suit the loss (integer
labels for ``sparse_categorical_crossentropy``, one-hot rows for
``categorical_crossentropy``). A ``class_weight`` dict becomes per-sample weights, as Keras
2.2.4's ``standardize_weights`` does.

Then ``split_validation`` holds out the last samples for validation, and ``BatchPlan``
gives each epoch's batches as index arrays. ``training.py`` uses all of these.
"""
import numpy as np

from minikeras import random
from minikeras.models.compile_utils import per_output

__all__ = [
    "standardize_inputs", "standardize", "validation_arrays", "split_validation",
    "check_batch_size", "check_fit_arguments", "check_steps", "batch_slices", "take_all", "BatchPlan",
]


# --- checking and arranging the data --------------------------------------------------------------
def standardize_inputs(model, x):
    """``x`` as a list of arrays, one per model input, each checked against its Input."""
    if x is None:
        raise ValueError(f"Model {model.name!r}: input data x is required (received x=None).")
    if not model.outputs and getattr(model, "_is_subclassed", False) and isinstance(x, dict):
        model.build({key: (None,) + np.shape(a)[1:] for key, a in x.items()})  # Keras 3: named inputs
    if not model.outputs:  # a deferred Sequential model learns its input shape from the data
        first = np.asarray(x[0] if isinstance(x, (list, tuple)) else x)
        if first.dtype == object or first.ndim == 0:
            raise ValueError(f"Model {model.name!r}: cannot infer the input shape from {type(x).__name__}.")
        if getattr(model, "_is_subclassed", False) and isinstance(x, (list, tuple)):
            model.build([(None,) + np.shape(a)[1:] for a in x])  # a subclassed model, several inputs
        else:
            model.build((None,) + (first.shape[1:] or (1,)))  # (n,) data is seen as (n, 1)
    arrays = _as_arrays(x, model.input_names, "input", model.name, [len(t.shape) for t in model.inputs])
    for array, name, tensor in zip(arrays, model.input_names, model.inputs):
        _check_shape(array, tuple(tensor.shape), name, "input")
    _check_same_length(arrays, "input", model.name)
    return arrays


def standardize(model, x, y, sample_weight=None, class_weight=None):
    """Inputs, targets and per-output sample weights, checked before any computation."""
    xs = standardize_inputs(model, x)
    model._compiled_state()  # needs the outputs, hence after the inputs built the model
    names = model.output_names
    trained = [fn is not None for fn in model.loss_functions]
    if y is None:
        if not any(trained):  # compiled without a loss: the model's added losses need no targets
            return xs, [None] * len(names), [None] * len(names)
        raise ValueError(f"Model {model.name!r}: targets y are required (received y=None).")
    ys = _as_arrays(y, names, "target", model.name, [len(t.shape) for t in model.outputs],
                    allow_missing=[not t for t in trained])
    for i, (array, name, fn) in enumerate(zip(ys, names, model.loss_functions)):
        if array is not None and fn is not None:
            _check_target(array, tuple(model.outputs[i].shape), name, fn)
    _check_same_length([a for a in ys if a is not None], "target", model.name)
    n_in, n_out = len(xs[0]), len(next(a for a in ys if a is not None))
    if n_in != n_out:
        raise ValueError(
            f"Model {model.name!r}: input arrays should have the same number of samples as target "
            f"arrays. Found {n_in} input samples and {n_out} target samples."
        )
    sample_weights = _per_output_data(sample_weight, names, "sample_weight")
    class_weights = _per_output_class_weight(class_weight, names)
    weights = []
    for i, (y_i, name) in enumerate(zip(ys, names)):
        weights.append(_standardize_weights(
            y_i, sample_weights[i], class_weights[i], model._sample_weight_modes[i], name))
    return xs, ys, weights


def validation_arrays(model, validation_data):
    """``fit``'s ``validation_data`` as ``(xs, ys, weights)``, checked like the training data."""
    if not isinstance(validation_data, (list, tuple)) or len(validation_data) not in (2, 3):
        raise ValueError(
            f"Model {model.name!r}: validation_data should be a tuple (x_val, y_val) or "
            f"(x_val, y_val, val_sample_weights); received {type(validation_data).__name__} "
            f"of length {len(validation_data) if hasattr(validation_data, '__len__') else '?'}."
        )
    x_val, y_val = validation_data[:2]
    weights = validation_data[2] if len(validation_data) == 3 else None
    return standardize(model, x_val, y_val, weights)


def split_validation(arrays, validation_split, model_name):
    """``(training arrays, validation arrays)``: the LAST samples are held out, as in Keras.

    ``arrays`` is ``(xs, ys, weights)``; the split happens before any shuffling.
    """
    if not 0 < validation_split < 1:
        raise ValueError(
            f"Model {model_name!r}: validation_split must be in [0, 1), received {validation_split}."
        )
    xs = arrays[0]
    n = len(xs[0])
    split_at = int(n * (1.0 - validation_split))
    if split_at == 0 or split_at == n:
        raise ValueError(
            f"Model {model_name!r}: validation_split={validation_split} of {n} samples leaves "
            f"{split_at} for training and {n - split_at} for validation; both must be non-empty."
        )
    validation = _slice_all(arrays, slice(split_at, None))
    return _slice_all(arrays, slice(0, split_at)), validation


def _as_arrays(data, names, kind, model_name, ranks, allow_missing=None):
    """A list with one NumPy array per name (Keras 2's ``standardize_input_data``).

    A 1-D array becomes a column ``(n, 1)`` unless the model expects rank 1 there.
    """
    if isinstance(data, dict):
        arrays = []
        for i, name in enumerate(names):
            if name not in data:
                if allow_missing and allow_missing[i]:
                    arrays.append(None)
                    continue
                raise ValueError(
                    f"Model {model_name!r}: no data provided for {kind} {name!r}. Need data for each "
                    f"key in: {names}"
                )
            arrays.append(data[name])
    elif isinstance(data, (list, tuple)) and len(names) == 1 and data \
            and all(isinstance(v, (int, float, np.number)) for v in data):
        arrays = [np.asarray(data)]  # a plain list of numbers is one array (Keras 2)
    elif isinstance(data, (list, tuple)):
        arrays = list(data)
        if len(arrays) != len(names):
            raise ValueError(
                f"Error when checking model {kind}: the list of arrays passed to model {model_name!r} "
                f"is not the size the model expected. Expected to see {len(names)} array(s) "
                f"(for {names}), but instead got a list of {len(arrays)} array(s)."
            )
    else:
        if len(names) != 1:
            raise ValueError(
                f"Error when checking model {kind}: model {model_name!r} expects {len(names)} "
                f"{kind} arrays (for {names}), but only received one array of shape {np.shape(data)}."
            )
        arrays = [data]
    result = []
    for i, (array, rank) in enumerate(zip(arrays, ranks)):
        if array is None:
            if not (allow_missing and allow_missing[i]):
                raise ValueError(f"Model {model_name!r}: no data provided for {kind} {names[i]!r} (received None).")
            result.append(None)
            continue
        array = np.asarray(array)
        if array.dtype.kind not in "biuf":
            raise ValueError(
                f"Model {model_name!r}: {kind} data must be numeric, received an array of dtype "
                f"{array.dtype} for {names[i]!r}."
            )
        if array.ndim == 1 and rank != 1:
            array = array[:, None]
        result.append(array)
    return result


def _check_shape(array, shape, name, kind):
    from minikeras.inspect.shape_hints import data_hint  # the likely fix, if one is recognised

    if len(array.shape) != len(shape):
        raise ValueError(
            f"Error when checking {kind}: expected {name} to have {len(shape)} dimensions, but got "
            f"array with shape {array.shape}" + data_hint(array.shape, shape, kind)
        )
    for size, expected in zip(array.shape[1:], shape[1:]):
        if expected is not None and size != expected:
            raise ValueError(
                f"Error when checking {kind}: expected {name} to have shape {shape[1:]} but got "
                f"array with shape {array.shape[1:]}" + data_hint(array.shape, shape, kind)
            )


def _check_target(y, output_shape, name, loss_fn):
    """Target shape checks of Keras 2 (``check_loss_and_target_compatibility`` and friends)."""
    loss_name = _loss_name(loss_fn)
    if loss_name == "sparse_categorical_crossentropy":
        expected = output_shape[:-1] + (1,)
        if y.shape[1:] != expected[1:] and y.shape[1:] != output_shape[1:-1]:
            from minikeras.inspect.shape_hints import target_hint

            raise ValueError(
                f"Error when checking target: expected {name} to have shape {expected[1:]} (integer "
                f"class labels) but got array with shape {y.shape[1:]}"
                + target_hint(y.shape, output_shape, loss_name)
            )
        return
    if loss_name == "categorical_crossentropy" and y.shape[-1] == 1 and (output_shape[-1] or 0) > 1:
        raise ValueError(
            f"You are passing a target array of shape {y.shape} while using as loss "
            "`categorical_crossentropy`. `categorical_crossentropy` expects targets to be binary "
            "matrices (1s and 0s) of shape (samples, classes). If your targets are integer classes, "
            "convert them to one-hot rows (e.g. np.eye(classes)[y]) or use the loss "
            "`sparse_categorical_crossentropy`, which expects integer targets."
        )
    if loss_name is not None:  # a built-in loss: the target has the output's shape
        _check_shape(y, output_shape, name, "target")


def _loss_name(loss_fn):
    """The name of a built-in loss function (also behind a Loss class), else None."""
    from minikeras import losses

    fn = losses.plain_function(loss_fn)
    name = getattr(fn, "__name__", None)
    return name if name and getattr(losses, name, None) is fn else None


def _check_same_length(arrays, kind, model_name):
    lengths = {len(a) for a in arrays}
    if len(lengths) > 1:
        raise ValueError(
            f"Model {model_name!r}: all {kind} arrays should have the same number of samples. "
            f"Got array shapes: {[a.shape for a in arrays]}"
        )
    if lengths == {0}:
        raise ValueError(f"Model {model_name!r}: the {kind} arrays are empty (0 samples).")


# --- sample weights and class weights -------------------------------------------------------------
def _per_output_data(value, names, what):
    if value is None:
        return [None] * len(names)
    if isinstance(value, dict):
        return per_output(value, names, what)
    if isinstance(value, (list, tuple)) and len(names) > 1:
        return per_output(list(value), names, what)
    if len(names) > 1:
        raise ValueError(
            f"The model has {len(names)} outputs ({names}): give {what} as a list or a dict "
            "with one entry per output."
        )
    return [value]


def _per_output_class_weight(class_weight, names):
    if class_weight is None:
        return [None] * len(names)
    if not isinstance(class_weight, dict):
        raise ValueError(f"class_weight must be a dict {{class: weight}}, received {class_weight!r}.")
    if len(names) > 1 and set(class_weight) <= set(names):
        return [class_weight.get(name) for name in names]
    return [class_weight] * len(names)


def _standardize_weights(y, sample_weight, class_weight, mode, name):
    """The weights of one output's samples (Keras 2.2.4's ``standardize_weights``), or None."""
    if sample_weight is not None:
        try:
            sample_weight = np.asarray(sample_weight, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(
                f"Output {name!r}: sample_weight must be an array of numbers, received "
                f"{type(sample_weight).__name__}: {sample_weight!r:.80}"
            ) from None
        if y is None:
            return None
        if mode == "temporal":
            if y.ndim < 3:
                raise ValueError(
                    f"Output {name!r}: sample_weight_mode='temporal' needs targets with a time axis "
                    f"(at least 3D), received targets of shape {y.shape}."
                )
            if sample_weight.ndim != 2:
                raise ValueError(
                    f"Output {name!r}: found a sample_weight array with shape {sample_weight.shape}. "
                    "For timestep-wise sample weighting, pass a 2D sample_weight array."
                )
        elif sample_weight.ndim != 1:
            raise ValueError(
                f"Output {name!r}: found a sample_weight array with shape {sample_weight.shape}. "
                "To weight timesteps, specify sample_weight_mode='temporal' in compile(); for "
                "sample-wise weights, make sure the sample_weight array is 1D."
            )
        if y.shape[:sample_weight.ndim] != sample_weight.shape:
            raise ValueError(
                f"Output {name!r}: found a sample_weight array with shape {sample_weight.shape} for "
                f"targets of shape {y.shape}: sample_weight cannot be broadcast."
            )
        return sample_weight
    if class_weight is not None and y is not None:
        if y.ndim > 2:
            raise ValueError(f"Output {name!r}: class_weight is not supported for 3+ dimensional targets.")
        classes = np.argmax(y, axis=1) if y.shape[1] > 1 else y.reshape(len(y))
        if classes.dtype.kind == "f" and np.all(classes == np.round(classes)):
            classes = classes.astype(np.int64)  # float labels 0., 1. are the classes 0, 1
        missing = set(classes.tolist()) - set(class_weight)
        if missing:
            raise ValueError(
                f"Output {name!r}: class_weight must contain all classes in the data. The classes "
                f"{sorted(missing)} exist in the data but not in class_weight."
            )
        try:
            return np.asarray([class_weight[c] for c in classes.tolist()], dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(
                f"Output {name!r}: the weights in class_weight must be numbers, received {class_weight!r:.100}."
            ) from None
    return None


# --- batches --------------------------------------------------------------------------------------
def check_batch_size(batch_size, model):
    """``batch_size`` as an int: 32 when None, else it must be a positive integer."""
    if batch_size is None:
        return 32
    if not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool) or batch_size <= 0:
        raise ValueError(f"Model {model.name!r}: batch_size must be a positive integer, received {batch_size!r}.")
    return int(batch_size)


def check_steps(value, what, model, minimum=1, optional=True):
    """A count argument (``steps``, ``epochs``, ...) as an int, checked.

    Args:
        value: the argument; a float is accepted when it is a whole number (``2.0``).
        what: its name, for the message.
        model: the model, for the message.
        minimum: the smallest value allowed (1 for numbers of steps, 0 for epochs).
        optional: whether None is allowed (and returned as None).
    """
    if value is None and optional:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < minimum:
        kind = "positive" if minimum > 0 else "non-negative"
        raise ValueError(f"Model {model.name!r}: {what} must be a {kind} integer, received {value!r}.")
    return int(value)


def check_fit_arguments(model, epochs, initial_epoch, validation_split, steps_per_epoch,
                        validation_steps):
    """``fit``'s counts as ints and ``validation_split`` as a float, checked before any work."""
    if validation_split is None:
        validation_split = 0.0
    number = None if isinstance(validation_split, (bool, str, bytes)) else validation_split
    try:
        number = float(number)
    except (TypeError, ValueError):
        number = None
    if number is None or not 0.0 <= number < 1.0:
        raise ValueError(
            f"Model {model.name!r}: validation_split must be in [0, 1), received "
            f"{validation_split!r}."
        )
    return (check_steps(epochs, "epochs", model, minimum=0, optional=False),
            check_steps(initial_epoch, "initial_epoch", model, minimum=0, optional=False),
            number, check_steps(steps_per_epoch, "steps_per_epoch", model),
            check_steps(validation_steps, "validation_steps", model))


def _slice_all(groups, index):
    return tuple([None if a is None else a[index] for a in group] for group in groups)


def take_all(groups, ids):
    """``groups`` (e.g. ``(xs, ys, weights)``) with every array indexed by ``ids``; None stays None."""
    return _slice_all(groups, ids)


def batch_slices(n, batch_size):
    """The slices of consecutive batches over ``n`` samples (the last one may be shorter)."""
    return [slice(start, min(start + batch_size, n)) for start in range(0, n, batch_size)]


class BatchPlan:
    """The batches of each epoch: index arrays over the training samples.

    Without ``steps_per_epoch`` an epoch is one pass over the (shuffled) samples; with it,
    an epoch is exactly that many batches taken from a stream of samples that continues
    across epochs and is reshuffled at each pass.
    """

    def __init__(self, n, batch_size, shuffle, steps_per_epoch):
        if shuffle not in (True, False, "batch"):
            raise ValueError(f"fit: shuffle must be True, False or 'batch', received {shuffle!r}.")
        self.n, self.batch_size, self.shuffle, self.steps = n, batch_size, shuffle, steps_per_epoch
        self._stream = np.empty(0, dtype=np.int64)
        # One order kept from pass to pass and shuffled again each time, as Keras 2's fit
        # does: with the same NumPy seed, the batches are the same as Keras 2's.
        self._order = np.arange(n)

    def _one_pass(self):
        if self.shuffle == "batch":
            # Keras 2's batch_shuffle: the full batches change places, a last partial batch
            # stays at the end.
            full = self.n // self.batch_size * self.batch_size
            blocks = self._order[:full].reshape(-1, self.batch_size)
            random.shuffle_in_place(blocks)
            self._order = np.concatenate([blocks.ravel(), self._order[full:]])
        elif self.shuffle:
            random.shuffle_in_place(self._order)
        return self._order.copy()

    def epoch(self):
        if self.steps is None:
            order = self._one_pass()
            return [order[s:s + self.batch_size] for s in range(0, self.n, self.batch_size)]
        needed = self.steps * self.batch_size
        while len(self._stream) < needed:
            self._stream = np.concatenate([self._stream, self._one_pass()])
        order, self._stream = self._stream[:needed], self._stream[needed:]
        return [order[s:s + self.batch_size] for s in range(0, needed, self.batch_size)]
