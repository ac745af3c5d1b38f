"""Which class a config's ``class_name`` means: the one place where names become layer classes.

A saved model stores each layer as ``{"class_name": "Dense", "config": {...}}``. Rebuilding it
needs the class behind the name, and the model classes themselves (``Model``,
``Sequential``) are among the answers. So that this module imports no model module (which
would tie ``functional``, ``sequential`` and ``saving`` in a cycle), the model classes
register themselves here when they are defined::

    register_model_class("Sequential", Sequential)      # at the end of sequential.py

``deserialize_layer`` then looks a name up in this order: the caller's ``custom_objects``,
the global custom objects (``custom_object_scope``), the registered model classes,
minikeras' own layers. A name in a config never imports
anything outside minikeras.
"""
import importlib
import inspect
import pkgutil

__all__ = ["register_model_class", "layer_class", "deserialize_layer"]

_MODEL_CLASSES = {}


def register_model_class(name, cls):
    """Let configs name ``cls`` as ``name`` (``"Model"``, ``"Functional"``, ``"Sequential"``)."""
    _MODEL_CLASSES[name] = cls


def deserialize_layer(config, custom_objects=None, safe_mode=True):
    """A layer (or model) from ``{"class_name": ..., "config": ...}``.

    The class is looked up in ``custom_objects`` first, then among minikeras' own models and
    layers. A layer class that accepts them receives ``custom_objects`` and ``safe_mode`` in
    its ``from_config`` (nested models, ``Lambda``).

    Raises:
        ValueError: for a malformed entry, an unknown class name, or a ``Lambda`` layer in
            safe mode whose class cannot be told so.
    """
    if not isinstance(config, dict) or "class_name" not in config or "config" not in config:
        raise ValueError(f"A layer config must be a dict with 'class_name' and 'config'; received {config!r:.200}")
    class_name = config["class_name"]
    from minikeras.utils.generic_utils import with_custom_objects

    # the caller's objects, then the global ones (custom_object_scope), passed on to nested
    # layers and to Lambda's functions as well
    custom_objects = with_custom_objects(custom_objects)
    cls = layer_class(class_name, custom_objects)
    arguments = {}
    parameters = inspect.signature(cls.from_config).parameters
    if "custom_objects" in parameters:
        arguments["custom_objects"] = custom_objects
    if "safe_mode" in parameters:
        arguments["safe_mode"] = safe_mode
    elif class_name == "Lambda" and safe_mode:
        raise ValueError("Rebuilding a Lambda layer needs safe_mode=False (its function would be imported).")
    return cls.from_config(config["config"], **arguments)


def _global_custom_objects():
    """The objects registered with ``custom_object_scope`` / ``get_custom_objects()``.

    Read through ``utils.generic_utils``, the one home of that registry (Keras 2's layout);
    an empty dict while generic_utils has none.
    """
    from minikeras.utils import generic_utils

    get = getattr(generic_utils, "get_custom_objects", None)
    return get() if get is not None else {}


def layer_class(class_name, custom_objects):
    """The class behind ``class_name``: ``custom_objects``, then models, then minikeras layers."""
    from minikeras.layers.base_layer import Layer
    from minikeras.layers.core.input_layer import InputLayer

    if class_name in custom_objects:
        return custom_objects[class_name]
    scoped = _global_custom_objects()
    if class_name in scoped:
        return scoped[class_name]
    if class_name in _MODEL_CLASSES:
        return _MODEL_CLASSES[class_name]
    if class_name == "InputLayer":
        return InputLayer
    import minikeras.layers as layers_package

    found = getattr(layers_package, class_name, None)
    if isinstance(found, type) and issubclass(found, Layer):
        return found
    for module_info in pkgutil.walk_packages(layers_package.__path__, "minikeras.layers."):
        module = importlib.import_module(module_info.name)
        found = getattr(module, class_name, None)
        if isinstance(found, type) and issubclass(found, Layer):
            return found
    raise ValueError(
        f"Unknown layer: {class_name!r}. It is not a minikeras layer; if it is your own, pass "
        f"custom_objects={{{class_name!r}: {class_name}}} to load_model (or model_from_json)."
    )
