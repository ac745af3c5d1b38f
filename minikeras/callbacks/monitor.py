"""Watching a monitored quantity: helpers shared by the callbacks that take a ``monitor``.

``EarlyStopping``, ``ModelCheckpoint`` and ``ReduceLROnPlateau`` watch one of the epoch logs.
``monitor_mode`` says whether an improvement of the quantity is a decrease (``np.less``) or
an increase (``np.greater``); ``monitored`` reads its value from the epoch logs under any
spelling of its name (``metrics.names``), with a warning, once, that lists the available logs
when it is missing.
"""
import numpy as np

from minikeras.metrics import names

__all__ = ["monitor_mode", "monitored"]


def monitor_mode(name, mode, monitor):
    """``np.less`` or ``np.greater``: Keras 2's 'auto' maximises metrics named like accuracy."""
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"{name}: unknown mode {mode!r}; expected 'auto', 'min' or 'max'.")
    if mode == "max" or (mode == "auto" and names.maximized(monitor)):
        return np.greater
    return np.less


def monitored(callback, logs):
    """The value of ``callback.monitor`` in the epoch logs, or None (with a warning, once)."""
    key = names.find(logs, callback.monitor)
    if key is None:
        names.warn_missing_once(callback, "metric", callback.monitor, logs)
        return None
    return logs[key]
