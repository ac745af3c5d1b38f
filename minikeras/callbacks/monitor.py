"""Watching a monitored quantity: helpers shared by the callbacks that take a ``monitor``.

``EarlyStopping``, ``ModelCheckpoint`` and ``ReduceLROnPlateau`` watch one of the epoch logs.
``monitor_mode`` says whether an improvement of the quantity is a decrease (``np.less``) or
an increase (``np.greater``); ``monitored`` reads its value from the epoch logs, with a
warning that lists the available logs when it is missing.
"""
import warnings

import numpy as np

__all__ = ["monitor_mode", "monitored"]


def monitor_mode(name, mode, monitor):
    """``np.less`` or ``np.greater``: Keras 2's 'auto' maximises metrics named like accuracy."""
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"{name}: unknown mode {mode!r}; expected 'auto', 'min' or 'max'.")
    if mode == "max" or (mode == "auto" and ("acc" in monitor or monitor.startswith("fmeasure"))):
        return np.greater
    return np.less


def monitored(callback, logs):
    """The value of ``callback.monitor`` in the epoch logs, or None (with a warning)."""
    value = (logs or {}).get(callback.monitor)
    if value is None:
        warnings.warn(
            f"{type(callback).__name__} is conditioned on metric {callback.monitor!r}, which is not "
            f"available. Available metrics are: {', '.join(sorted(logs or {}))}", RuntimeWarning,
        )
    return value
