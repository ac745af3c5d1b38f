"""Small helpers shared across minikeras: the training progress bar, and lookup by name.

``Progbar`` prints what ``model.fit`` shows, in Keras 2's format::

    12/60 [=====>........................] - ETA: 3s - loss: 0.2345 - acc: 0.9123
    60/60 [==============================] - 4s 70ms/step - loss: 0.2012 - acc: 0.9301

The (de)serialization of Keras objects, written once for the modules that look things up
by name:

* ``deserialize_keras_object`` turns a name or a ``{'class_name', 'config'}`` dict into a
  function or an object; optimizers, losses and metrics use it for their ``get``;
* ``serialize_keras_object``, ``instantiate_keras_object`` and ``get_keras_object`` are the
  ``serialize``, ``deserialize`` and ``get`` of initializers, regularizers and constraints,
  where every name builds an object (``'l2'`` is ``L1L2(l2=0.01)``).

Both lookups (and the layer lookup of ``models.load_model``) also consult the global custom
objects: ``get_custom_objects()`` is a dict that a program may fill once, and
``custom_object_scope({...})`` fills it for the length of a ``with`` block. A
``custom_objects=`` argument comes first, then the global dict, then minikeras' own names.
"""
import sys
import time

import numpy as np

__all__ = [
    "Progbar", "CustomObjectScope", "custom_object_scope", "get_custom_objects",
    "deserialize_keras_object", "get_keras_object", "instantiate_keras_object",
    "serialize_keras_object", "to_list",
]


def _clock():
    """Seconds, for the progress bar (a function so that tests can replace it)."""
    return time.time()


class Progbar:
    """A progress bar with running averages of the logged values.

    Args:
        target: the total number of steps (or samples) expected; None if unknown.
        width: the width of the bar, in characters.
        verbose: 0 silent, 1 the bar (redrawn at most every ``interval`` seconds),
            2 one line at the end only.
        interval: the minimum time between two redraws of the bar, in seconds.
        stateful_metrics: names of values that are shown as given instead of being
            averaged over the steps (for metrics that already are running averages).

    A value logged at ``update(current, [('loss', x)])`` counts for the
    ``current - previous current`` steps it covers: with batches of samples as steps, the
    shown loss is the mean over samples.

    Example:
        >>> bar = Progbar(target=2, verbose=2)
        >>> bar.update(1, [("loss", 0.5)])
        >>> bar.update(2, [("loss", 0.3)])
         - 0s - loss: 0.4000
    """

    def __init__(self, target, width=30, verbose=1, interval=0.05, stateful_metrics=None):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.stateful_metrics = set(stateful_metrics or ())
        # On a terminal (or in a notebook) the bar is redrawn in place; elsewhere (a log
        # file, a pipe) every redraw is a new line.
        self._dynamic_display = (
            (hasattr(sys.stdout, "isatty") and sys.stdout.isatty()) or "ipykernel" in sys.modules
        )
        self._total_width = 0
        self._seen_so_far = 0
        self._values = {}  # name -> [weighted sum, weight]; insertion order is display order
        self._start = _clock()
        self._last_update = 0.0

    def update(self, current, values=None):
        """Move the bar to step ``current`` and log ``values`` (a list of (name, value))."""
        steps = current - self._seen_so_far
        for name, value in values or ():
            value = float(np.mean(value))
            if name in self.stateful_metrics:
                self._values[name] = [value, 1]
            elif name in self._values:
                self._values[name][0] += value * steps
                self._values[name][1] += steps
            else:
                self._values[name] = [value * steps, steps]
        self._seen_so_far = current

        now = _clock()
        finished = self.target is not None and current >= self.target
        if self.verbose == 1:
            if now - self._last_update < self.interval and not finished and self.target is not None:
                return
            self._draw_bar(current, now, finished)
        elif self.verbose == 2 and (finished or self.target is None):
            # Keras 2.2.4 compares the average itself here, not its absolute value: a
            # negative loss (cosine_proximity) prints in scientific notation.
            sys.stdout.write(f" - {now - self._start:.0f}s{self._values_text(signed=True)}\n")
            sys.stdout.flush()
        self._last_update = now

    def add(self, n, values=None):
        """Advance the bar by ``n`` steps."""
        self.update(self._seen_so_far + n, values)

    def _draw_bar(self, current, now, finished):
        previous_width = self._total_width
        if self._dynamic_display:
            sys.stdout.write("\b" * previous_width + "\r")
        else:
            sys.stdout.write("\n")

        if self.target is not None:
            digits = len(str(self.target))
            filled = int(self.width * min(current / self.target, 1.0)) if self.target else self.width
            bar = f"{current:{digits}d}/{self.target} ["
            if filled > 0:
                bar += "=" * (filled - 1) + ("=" if finished else ">")
            bar += "." * (self.width - filled) + "]"
        else:
            bar = f"{current:7d}/Unknown"

        time_per_step = (now - self._start) / current if current else 0.0
        if self.target is not None and not finished:
            info = f" - ETA: {_format_eta(time_per_step * (self.target - current))}"
        else:
            info = f" - {now - self._start:.0f}s {_format_step_time(time_per_step)}"
        info += self._values_text()

        self._total_width = len(bar) + len(info)
        if previous_width > self._total_width:
            info += " " * (previous_width - self._total_width)  # wipe a longer previous line
        if finished:
            info += "\n"
        sys.stdout.write(bar + info)
        sys.stdout.flush()

    def _values_text(self, signed=False):
        text = ""
        for name, (total, count) in self._values.items():
            average = total / max(1, count)
            # Small values in scientific notation so that they do not print as 0.0000.
            large = (average if signed else abs(average)) > 1e-3
            text += f" - {name}: {average:.4f}" if large else f" - {name}: {average:.4e}"
        return text


def _format_eta(seconds):
    if seconds > 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds > 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{int(seconds)}s"


def _format_step_time(seconds):
    if seconds >= 1:
        return f"{seconds:.0f}s/step"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/step"
    return f"{seconds * 1e6:.0f}us/step"


# --- custom objects ------------------------------------------------------------------------
_GLOBAL_CUSTOM_OBJECTS = {}


def get_custom_objects():
    """The global ``{name: class or function}`` dict that every lookup by name consults.

    Adding to it makes your own layers, losses, metrics, activations, initializers... known
    by name everywhere (``compile(loss='my_loss')``, ``load_model``), as in Keras 2.

    Example:
        >>> def my_loss(y_true, y_pred):
        ...     return (y_true - y_pred) ** 2
        >>> get_custom_objects()["my_loss"] = my_loss
        >>> from minikeras import losses
        >>> losses.get("my_loss") is my_loss
        True
        >>> del get_custom_objects()["my_loss"]
    """
    return _GLOBAL_CUSTOM_OBJECTS


class CustomObjectScope:
    """A ``with`` block in which the given custom objects are known by name.

    Args:
        *custom_objects: dicts ``{name: class or function}``; later ones win.

    On entering, the dicts are added to ``get_custom_objects()``; on leaving, that dict is
    put back exactly as it was (also when the block raises).

    Example:
        >>> class MyInitializer:
        ...     pass
        >>> with CustomObjectScope({"MyInitializer": MyInitializer}):
        ...     "MyInitializer" in get_custom_objects()
        True
        >>> "MyInitializer" in get_custom_objects()
        False
    """

    def __init__(self, *custom_objects):
        for objects in custom_objects:
            if not isinstance(objects, dict):
                raise TypeError(
                    "CustomObjectScope: expected dicts {name: class or function}; received "
                    f"{type(objects).__name__} {objects!r:.100}."
                )
        self.custom_objects = custom_objects
        self.backup = None

    def __enter__(self):
        self.backup = dict(_GLOBAL_CUSTOM_OBJECTS)
        for objects in self.custom_objects:
            _GLOBAL_CUSTOM_OBJECTS.update(objects)
        return self

    def __exit__(self, *exc_info):
        _GLOBAL_CUSTOM_OBJECTS.clear()
        _GLOBAL_CUSTOM_OBJECTS.update(self.backup)


def custom_object_scope(*custom_objects):
    """``CustomObjectScope(*custom_objects)``, under Keras 2's function name.

    Example:
        >>> with custom_object_scope({"swish": lambda x: x}):
        ...     sorted(get_custom_objects())
        ['swish']
    """
    return CustomObjectScope(*custom_objects)


def with_custom_objects(custom_objects):
    """The global custom objects updated with ``custom_objects`` (which win): a new dict."""
    merged = dict(_GLOBAL_CUSTOM_OBJECTS)
    merged.update(custom_objects or {})
    return merged


def to_list(x):
    """``x`` if it is a list, ``list(x)`` for a tuple, else ``[x]``."""
    if isinstance(x, list):
        return x
    if isinstance(x, tuple):
        return list(x)
    return [x]


def deserialize_keras_object(identifier, module_objects, custom_objects=None, kind="object",
                             ignore_case=False):
    """Look up a function or build an object from a name or a ``{'class_name', 'config'}`` dict.

    Args:
        identifier: a string (a function's name, or a class built without arguments) or a
            dict ``{'class_name': name, 'config': {...}}`` (a class built with ``from_config``).
        module_objects: ``{name: function or class}``, the built-in choices.
        custom_objects: extra ``{name: function or class}``, searched first (then the
            global ``get_custom_objects()``).
        kind: what is looked up, for the error message (``'optimizer'``, ``'loss'``, ...).
        ignore_case: match names case-insensitively (optimizer classes: ``'adam'``).

    Raises:
        ValueError: if the name is unknown or the identifier is neither a string nor a dict.
    """
    if isinstance(identifier, dict):
        if "class_name" not in identifier:
            raise ValueError(f"Unknown {kind} config {identifier!r}: expected a 'class_name' key.")
        name, config = identifier["class_name"], identifier.get("config") or {}
    elif isinstance(identifier, str):
        name, config = identifier, None
    else:
        raise ValueError(f"Could not interpret {kind} identifier: {identifier!r}")

    choices = with_custom_objects(custom_objects)
    for key, value in module_objects.items():
        choices.setdefault(key, value)
    found = choices.get(name)
    if found is None and ignore_case:
        lowered = {key.lower(): value for key, value in choices.items()}
        found = lowered.get(name.lower())
    if found is None:
        raise ValueError(
            f"Unknown {kind}: {name!r}. Known: {', '.join(sorted(module_objects))}; pass "
            "custom_objects={name: object} for your own."
        )
    if isinstance(found, type):
        return found() if config is None else _build(found, config)
    return found


def serialize_keras_object(instance, base_class, kind):
    """How a config stores ``instance``: ``{'class_name', 'config'}``, or a function's name.

    Args:
        instance: an instance of ``base_class`` (stored as its class name and
            ``get_config()``) or a named function (stored by its ``__name__``: rebuilding it
            then needs it in ``custom_objects``, as in Keras).
        base_class: the objects stored with their config (``Initializer``, ``Regularizer``...).
        kind: what is stored, for the error message (``'initializer'``, ...).

    Raises:
        ValueError: for an object that is neither.
    """
    if isinstance(instance, base_class):
        return {"class_name": type(instance).__name__, "config": instance.get_config()}
    name = getattr(instance, "__name__", None)
    if name is None:
        raise ValueError(f"Cannot serialize the {kind} {instance!r}.")
    return name


def instantiate_keras_object(identifier, by_name, custom_objects, kind, expected):
    """Build the object that a name (its defaults) or a ``{'class_name', 'config'}`` dict describes.

    The built-in entries are always built: a class with ``from_config(config)``, a factory
    function (``regularizers.l2``) by calling it with the config. In ``custom_objects`` a
    class is built the same way, but a function is returned as it is: it is the user's
    initializer (regularizer, ...) itself.

    Args:
        identifier: a name (``'he_normal'``) or ``{'class_name': name, 'config': {...}}``.
        by_name: ``{name: class or factory}``, the built-in choices.
        custom_objects: None, or extra ``{name: class or function}``, searched first.
        kind: what is looked up, for the error messages (``'initializer'``, ...).
        expected: the choices that the message for an unknown name lists.

    Raises:
        ValueError: for an identifier that is neither a name nor such a dict, or an unknown
            name.
    """
    if isinstance(identifier, str):
        class_name, arguments = identifier, {}
    elif isinstance(identifier, dict) and "class_name" in identifier:
        class_name, arguments = identifier["class_name"], identifier.get("config") or {}
    else:
        raise ValueError(
            f"Cannot deserialize the {kind} {identifier!r}: expected a name or a dict "
            "with 'class_name' and 'config'."
        )
    custom_objects = with_custom_objects(custom_objects)
    if class_name in custom_objects:
        found = custom_objects[class_name]
        return _build(found, arguments) if isinstance(found, type) else found
    if class_name not in by_name:
        raise ValueError(f"Unknown {kind}: {class_name!r}. Expected one of {expected}.")
    return _build(by_name[class_name], arguments)


def _build(factory, arguments):
    """``factory.from_config(arguments)`` for a class that has it, else ``factory(**arguments)``."""
    if hasattr(factory, "from_config"):
        return factory.from_config(arguments)
    return factory(**arguments)


def get_keras_object(identifier, base_class, deserialize, kind, expected):
    """What ``get`` returns for ``identifier``: the object it names, or itself if callable.

    Args:
        identifier: a name or a serialized dict (given to ``deserialize``), a subclass of
            ``base_class`` (built with its defaults) or any callable (returned unchanged).
        base_class: the base class of the module's objects (``Initializer``, ...).
        deserialize: the module's ``deserialize``.
        kind: for the error message (``'initializer'``, ...).
        expected: what the error message says was expected.

    Raises:
        ValueError: for anything else (``None`` included: a module that accepts ``None``
            says so before calling this).
    """
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, base_class):
        return identifier()  # a class given without calling it: its defaults
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret {kind} identifier: {identifier!r} (expected {expected}).")
