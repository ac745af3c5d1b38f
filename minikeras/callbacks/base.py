"""The base ``Callback`` and ``CallbackList``, which calls one hook on every callback in order.

A callback is a class with one method per moment of training (``on_epoch_end``,
``on_train_batch_begin``, ...); the base class defines every hook to do nothing, so a
subclass overrides only the moments it cares about. The order in which ``fit`` calls the
hooks is in the package docstring (``minikeras/callbacks/__init__.py``).

The ``logs`` that a callback receives are a ``metrics.names.MetricLogs``: ``logs['accuracy']``
also finds a metric logged as ``acc`` (and the other way round).
"""
from minikeras.metrics.names import MetricLogs

__all__ = ["Callback", "CallbackList"]


class Callback:
    """The base class: every hook does nothing until a subclass overrides it.

    Attributes:
        model: the model being trained (set by ``set_model``).
        params: the training parameters (set by ``set_params``).
        validation_data: the validation arrays of ``fit``, or None.
    """

    def __init__(self):
        self.model = None
        self.params = {}
        self.validation_data = None

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self.model = model

    # Keras 2's original batch hooks; the train-batch hooks call them by default.
    def on_batch_begin(self, batch, logs=None):
        pass

    def on_batch_end(self, batch, logs=None):
        pass

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs)

    def on_test_batch_begin(self, batch, logs=None):
        pass

    def on_test_batch_end(self, batch, logs=None):
        pass

    def on_predict_batch_begin(self, batch, logs=None):
        pass

    def on_predict_batch_end(self, batch, logs=None):
        pass

    def on_train_begin(self, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass

    def on_test_begin(self, logs=None):
        pass

    def on_test_end(self, logs=None):
        pass

    def on_predict_begin(self, logs=None):
        pass

    def on_predict_end(self, logs=None):
        pass


class CallbackList:
    """Calls a hook on every callback of a list, in order."""

    def __init__(self, callbacks=None):
        if isinstance(callbacks, Callback) or (callbacks is not None and not isinstance(callbacks, (list, tuple))):
            raise TypeError(
                f"callbacks must be a list of minikeras.callbacks.Callback instances, got "
                f"{type(callbacks).__name__}: {callbacks!r:.80} (wrap a single callback in a list)."
            )
        self.callbacks = list(callbacks or [])
        for callback in self.callbacks:
            if not isinstance(callback, Callback):
                raise TypeError(
                    f"callbacks must be instances of minikeras.callbacks.Callback, got "
                    f"{type(callback).__name__}: {callback!r:.80}"
                )

    def append(self, callback):
        self.callbacks.append(callback)

    def set_params(self, params):
        for callback in self.callbacks:
            callback.set_params(params)

    def set_model(self, model):
        for callback in self.callbacks:
            callback.set_model(model)

    def __iter__(self):
        return iter(self.callbacks)

    def __getattr__(self, hook):
        # on_epoch_begin, on_train_batch_end, ...: forward the call to every callback.
        if not hook.startswith("on_") or not hasattr(Callback, hook):
            raise AttributeError(hook)

        def call_all(*args, **kwargs):
            args, kwargs, logs, original = _logs_with_aliases(args, kwargs)
            for callback in self.callbacks:
                getattr(callback, hook)(*args, **kwargs)
            if original is not None:  # what the callbacks wrote is the caller's too
                original.update(logs)
        return call_all


def _logs_with_aliases(args, kwargs):
    """The hook's arguments with a plain ``logs`` dict turned into ``MetricLogs``.

    Returns ``(args, kwargs, logs, original)``; ``original`` is the caller's plain dict
    (None when there was nothing to turn), to be updated with what the callbacks wrote.
    """
    if "logs" in kwargs:
        original = kwargs["logs"]
        if type(original) is dict:
            logs = MetricLogs(original)
            return args, {**kwargs, "logs": logs}, logs, original
    elif args and type(args[-1]) is dict:
        original = args[-1]
        logs = MetricLogs(original)
        return args[:-1] + (logs,), kwargs, logs, original
    return args, kwargs, None, None
