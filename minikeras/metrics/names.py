"""The names that metrics are logged under, and the other spellings that find them.

A metric is logged under the name the user wrote (``metrics=['accuracy']`` logs
``accuracy`` and ``val_accuracy``; ``['acc']`` logs ``acc``; ``['mae']`` logs ``mae``). Programs
written for another Keras read the same value under another spelling: Keras 2.2.4 logged
``acc`` for ``'accuracy'`` and ``mean_absolute_error`` for ``'mae'``, tf.keras logs
``accuracy``. This module is the one place where those spellings meet: ``MetricLogs`` (the
dict of ``History.history`` and of the ``logs`` that callbacks receive) and ``find`` (what
every callback's ``monitor=`` goes through) both accept any spelling of a key, while listing
each metric once, under its logged name.

A key is ``[val_][<output>_]<metric>``; only the ``<metric>`` part has other spellings:

Example:
    >>> spellings("val_out_acc")
    ['val_out_acc', 'val_out_accuracy']
    >>> logs = MetricLogs({"loss": 0.3, "accuracy": 0.9})
    >>> logs["acc"], "val_acc" in logs, sorted(logs)
    (0.9, False, ['accuracy', 'loss'])
"""
import warnings

__all__ = ["ALIASES", "spellings", "find", "MetricLogs", "warn_missing_once", "maximized"]

#: Groups of names for the same metric: the Keras 3 / tf.keras spelling first.
ALIASES = (
    ("accuracy", "acc"),
    ("crossentropy", "ce"),
    ("mean_squared_error", "mse"),
    ("mean_absolute_error", "mae"),
    ("mean_absolute_percentage_error", "mape"),
    ("mean_squared_logarithmic_error", "msle"),
    ("kullback_leibler_divergence", "kld"),
    ("cosine_proximity", "cosine"),
)


def spellings(key):
    """Every way to write the log key ``key``: itself first, then its other spellings."""
    found = [key]
    for group in ALIASES:
        for name in group:
            if key == name or key.endswith("_" + name):
                prefix = key[: len(key) - len(name)]
                found.extend(prefix + other for other in group if other != name)
    return found


def find(logs, name):
    """The key of ``logs`` that holds ``name`` (under any spelling), or None."""
    if logs is None:
        return None
    if dict.__contains__(logs, name):
        return name
    for spelling in spellings(name)[1:]:
        if dict.__contains__(logs, spelling):
            return spelling
    return None


class MetricLogs(dict):
    """A dict of logs (or of History's lists) that finds a key under any of its spellings.

    Iterating, ``keys()`` and ``len`` see only the names that were logged, each once;
    ``logs[name]``, ``logs.get(name)`` and ``name in logs`` also accept the other spellings.
    """

    def __getitem__(self, name):
        key = find(self, name)
        if key is None:
            raise KeyError(name)
        return dict.__getitem__(self, key)

    def get(self, name, default=None):
        key = find(self, name)
        return default if key is None else dict.__getitem__(self, key)

    def __contains__(self, name):
        return find(self, name) is not None

    def copy(self):
        return MetricLogs(self)


def warn_missing_once(owner, what, name, logs):
    """Warn (once per ``owner``) that ``name`` is in none of the logs, listing those that are."""
    warned = owner.__dict__.setdefault("_warned_missing", set())
    if name in warned:
        return
    warned.add(name)
    warnings.warn(
        f"{type(owner).__name__} is conditioned on {what} {name!r}, which is not available. "
        f"Available metrics are: {', '.join(sorted(logs or {})) or '(none)'}", RuntimeWarning, stacklevel=3)


#: Metrics that are better when larger ('auto' mode of the callbacks maximises them).
_MAXIMIZED = ("acc", "accuracy", "auc", "precision", "recall")


def maximized(name):
    """Whether the ``'auto'`` mode of a callback maximises ``name`` (Keras: accuracies, AUC, ...).

    Keras 2's rule (``'acc'`` anywhere in the name, or a name starting with ``fmeasure``), and
    Keras 3's names that end in ``auc``, ``precision`` or ``recall``.
    """
    return ("acc" in name or name.startswith("fmeasure")
            or any(name == m or name.endswith("_" + m) for m in _MAXIMIZED))
