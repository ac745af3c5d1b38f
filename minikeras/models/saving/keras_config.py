"""Translate model configs between minikeras (Keras 2's names and defaults) and Keras 3.

A config is plain JSON data, so translating is a walk over dicts. Reading accepts all three
dialects a file may hold: Keras 2 / tf.keras (``{"class_name", "config"}``, inbound nodes as
``[[layer, node, tensor, kwargs], ...]``), and Keras 3 (``"module"`` and ``"registered_name"``
beside every object, dtype policies, inbound nodes as ``{"args": [...], "kwargs": {...}}``).
Writing produces Keras 3's dialect for ``.keras`` archives; ``.h5`` files keep Keras 2's, which
is minikeras' own.

What differs, and how it is mapped:

==============================  =========================================================
Keras 2 (minikeras)             Keras 3
==============================  =========================================================
``InputLayer(batch_input_shape)``  ``InputLayer(batch_shape)``; a Sequential's first layer
                                with ``batch_input_shape`` becomes an explicit InputLayer
``dtype='float32'``             a ``DTypePolicy`` object (its ``name``)
``{"class_name", "config"}``    the same plus ``"module"`` and ``"registered_name"``
``L1L2(l1, l2)``                ``L1L2``; Keras 3's ``L1`` and ``L2`` read as ``L1L2``
``LeakyReLU(alpha)``            ``LeakyReLU(negative_slope)``
class ``Model``                 class ``Functional``
optimizer ``lr``/``decay``      ``learning_rate`` (decay as an ``InverseTimeDecay`` schedule)
optimizer ``clipnorm``          ``global_clipnorm`` (Keras 2 clips by the global norm)
==============================  =========================================================

A Keras 3 argument minikeras does not have is dropped when it holds the value that behaves as
Keras 2 does (``groups=1``, ``lora_rank=None``, ...); any other value raises
``NotImplementedError`` naming the layer and the argument, rather than loading a model that
would compute something else.
"""
import inspect
import warnings

__all__ = [
    "layer_from_keras", "model_config_from_keras", "model_config_to_keras3", "optimizer_from_keras",
    "optimizer_to_keras3", "snake_case", "keras3_class_name", "plain_compile_entry",
    "compile_from_keras",
]

# Keras 3 arguments with no Keras 2 counterpart, and the values that mean "as Keras 2 does".
_NEUTRAL_KERAS3_ARGUMENTS = {
    "groups": (1,), "lora_rank": (None,), "lora_alpha": (None,), "quantization_config": (None,),
    "keepdims": (False,), "ragged": (False,), "optional": (False,), "synchronized": (False,),
    "zero_output_for_mask": (False, True), "use_cudnn": ("auto", False, True),
    "input_axes": (None,), "output_axes": (None,), "sparse": (False,), "renorm": (False,),
    "seed": (None,), "mask_zero": (False,), "weights": (None,), "embeddings_constraint": (None,),
    "tile_multiple": (None,), "gamma_regularizer": (None,), "beta_regularizer": (None,),
    "autocast": (True,), "data_format": (None, "channels_last"),
    "renorm_clipping": (None,), "renorm_momentum": (0.99,),
}
_RENAMED_FROM_KERAS3 = {("LeakyReLU", "negative_slope"): "alpha"}
_RENAMED_TO_KERAS3 = {(cls, new): old for (cls, old), new in _RENAMED_FROM_KERAS3.items()}
_OBJECT_MODULES = {"_initializer": "keras.initializers", "_regularizer": "keras.regularizers",
                   "_constraint": "keras.constraints"}
_KERAS3_INITIALIZER_NAMES = {"IdentityInitializer": "Identity", "STFTInitializer": None}
_NESTED_LAYER_KEYS = ("layer", "backward_layer", "cell")
# Keras 3 layers whose constructors refuse arguments Keras 2's config holds (at these values
# they change nothing, so they are left out of a Keras 3 config).
_KERAS3_REFUSES = {
    "SpatialDropout1D": {"trainable": True, "noise_shape": None, "data_format": "channels_last"},
    "SpatialDropout2D": {"trainable": True, "noise_shape": None},
    "SpatialDropout3D": {"trainable": True, "noise_shape": None},
}


def snake_case(name):
    """Keras 3's snake case of a class name, which names layers' groups in weights files.

    Example:
        >>> snake_case("Conv2D"), snake_case("MaxPooling2D"), snake_case("BatchNormalization")
        ('conv2d', 'max_pooling2d', 'batch_normalization')
    """
    import re

    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub(r"([a-z])([A-Z])", r"\1_\2", name)
    return name.lower()


def keras3_class_name(layer):
    """The class name Keras 3 gives ``layer`` (a functional ``Model`` is ``Functional``)."""
    if getattr(layer, "_is_model", False) and not getattr(layer, "_is_sequential", False) \
            and type(layer).__name__ == "Model":
        return "Functional"
    return type(layer).__name__


# --- reading: Keras 2, tf.keras or Keras 3 -> minikeras -------------------------------------------
def model_config_from_keras(entry, custom_objects=None):
    """A ``{"class_name", "config"}`` model config of any Keras dialect, in minikeras' terms."""
    if not isinstance(entry, dict) or "class_name" not in entry or "config" not in entry:
        raise ValueError(f"A model config must be a dict with 'class_name' and 'config'; received {entry!r:.200}")
    return layer_from_keras(entry, custom_objects or {})


def layer_from_keras(entry, custom_objects):
    """One serialized layer (or model) of any dialect, as minikeras' ``{"class_name", "config"}``."""
    class_name = entry.get("class_name")
    if not isinstance(class_name, str):
        raise ValueError(f"A layer config has no class name: {entry!r:.200}")
    if class_name == "Functional":
        class_name = "Model"
    config = entry.get("config")
    if class_name == "Sequential":
        config = _sequential_from_keras(config, custom_objects)
    elif class_name == "Model":
        config = _functional_from_keras(config, custom_objects)
    else:
        config = _layer_config_from_keras(class_name, config, custom_objects)
    result = {"class_name": class_name, "config": config}
    if "name" in entry:
        result["name"] = entry["name"]
    if "inbound_nodes" in entry:
        result["inbound_nodes"] = _nodes_from_keras(entry["inbound_nodes"], result.get("name"))
    return result


def _sequential_from_keras(config, custom_objects):
    if isinstance(config, list):  # Keras 2.1 and older: the list of layers itself
        config = {"layers": config}
    if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
        raise ValueError(f"A Sequential config must hold a list of 'layers'; received {config!r:.200}")
    result = {"name": config.get("name", "sequential"),
              "layers": [layer_from_keras(layer, custom_objects) for layer in config["layers"]]}
    return result


def _functional_from_keras(config, custom_objects):
    if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
        raise ValueError(f"A functional model config must hold a list of 'layers'; received {config!r:.200}")
    layers = [layer_from_keras(layer, custom_objects) for layer in config["layers"]]
    # Keras 3 counts the first call of a nested model as node 0; Keras 2 (and minikeras) as 1,
    # node 0 being the model's own construction.
    models = {layer.get("name") for layer, raw in zip(layers, config["layers"])
              if layer["class_name"] in ("Model", "Sequential") and _is_keras3_nodes(raw.get("inbound_nodes"))}
    keras3 = any(_is_keras3_nodes(raw.get("inbound_nodes")) for raw in config["layers"])
    if keras3:
        for layer in layers:
            for node in layer.get("inbound_nodes", []):
                for end in node:
                    if end[0] in models or _is_model_entry(layers, end[0]):
                        end[1] += 1
    result = {"name": config.get("name", "model"), "layers": layers}
    for key in ("input_layers", "output_layers"):
        ends = config.get(key)
        if isinstance(ends, list) and ends and isinstance(ends[0], str):
            ends = [ends]  # Keras 3 writes a single end as one [name, node, tensor] triple
        ends = [list(end) for end in ends or []]
        if keras3:
            for end in ends:
                if _is_model_entry(layers, end[0]):
                    end[1] += 1
        result[key] = ends
    return result


def _is_keras3_nodes(nodes):
    return isinstance(nodes, list) and any(isinstance(node, dict) for node in nodes)


def _is_model_entry(layers, name):
    return any(layer.get("name") == name and layer["class_name"] in ("Model", "Sequential") for layer in layers)


def _nodes_from_keras(nodes, layer_name):
    """Inbound nodes as Keras 2's ``[[[layer, node, tensor, kwargs], ...], ...]``."""
    if not isinstance(nodes, list):
        raise ValueError(f"Model config: the inbound nodes of layer {layer_name!r} are not a list.")
    converted = []
    for node in nodes:
        if isinstance(node, dict):  # Keras 3: {"args": [...], "kwargs": {...}}
            kwargs = {k: v for k, v in (node.get("kwargs") or {}).items()
                      if not (k == "mask" and v is None)}
            if any(_is_keras_tensor(v) for v in _flatten(list(kwargs.values()))):
                raise NotImplementedError(
                    f"Model config: layer {layer_name!r} is called with a tensor as a keyword "
                    f"argument ({sorted(kwargs)}); minikeras reads tensors from positional inputs only.")
            tensors = [x for x in _flatten(node.get("args") or []) if _is_keras_tensor(x)]
            converted.append([list(t["config"]["keras_history"][:3]) + [kwargs] for t in tensors])
        else:
            converted.append(node)
    return converted


def _is_keras_tensor(value):
    return isinstance(value, dict) and value.get("class_name") == "__keras_tensor__"


def _flatten(values):
    for value in values:
        if isinstance(value, (list, tuple)):
            yield from _flatten(value)
        else:
            yield value


def _layer_config_from_keras(class_name, config, custom_objects):
    if not isinstance(config, dict):
        raise ValueError(f"The config of a {class_name} layer must be a dict; received {config!r:.200}")
    config = dict(config)
    if class_name == "Lambda":
        _check_lambda_function(config)
    if class_name == "InputLayer":
        if "batch_shape" in config:
            config["batch_input_shape"] = config.pop("batch_shape")
        elif "shape" in config and "batch_input_shape" not in config:
            config["batch_input_shape"] = [config.pop("batch_size", None)] + list(config.pop("shape"))
        if "input_tensor" in config and config["input_tensor"] is None:
            config.pop("input_tensor")
    translated = {}
    for key, value in config.items():
        key = _RENAMED_FROM_KERAS3.get((class_name, key), key)
        if key == "dtype":
            value = _dtype_name(value, class_name)
        elif key.endswith(tuple(_OBJECT_MODULES)) and isinstance(value, dict):
            value = _object_from_keras(value, key, class_name)
        elif key in _NESTED_LAYER_KEYS and isinstance(value, dict) and "class_name" in value:
            value = layer_from_keras(value, custom_objects)
        elif key == "cells" and isinstance(value, list):
            value = [layer_from_keras(cell, custom_objects) for cell in value]
        elif key == "activation" and value == "hard_sigmoid" or key == "recurrent_activation" and value == "hard_sigmoid":
            pass  # the name is the same; minikeras computes Keras 2's formula (see _warn_hard_sigmoid)
        translated[key] = value
    if class_name == "Bidirectional" and _is_default_backward_layer(translated):
        translated.pop("backward_layer")  # the mirror of `layer` Keras 3 always writes
    return _drop_unknown_arguments(class_name, translated, custom_objects)


def _is_default_backward_layer(config):
    """Whether Bidirectional's ``backward_layer`` is ``layer`` run backwards (Keras 2's only kind)."""
    forward, backward = config.get("layer"), config.get("backward_layer")
    if not isinstance(forward, dict) or not isinstance(backward, dict):
        return backward is None
    ignore = ("name", "go_backwards")
    same = {k: v for k, v in forward["config"].items() if k not in ignore} == \
           {k: v for k, v in backward["config"].items() if k not in ignore}
    return same and forward["class_name"] == backward["class_name"] and \
        bool(backward["config"].get("go_backwards")) != bool(forward["config"].get("go_backwards"))


def _check_lambda_function(config):
    function = config.get("function")
    if isinstance(function, dict) and function.get("class_name") == "__lambda__":
        raise ValueError(
            "Lambda layer: this file stores the layer's function as Python bytecode; minikeras never "
            "runs code from a file. Rebuild the model in code, or load it with the function given "
            "in custom_objects from a model saved with a named (def) function.")


def _dtype_name(value, class_name):
    if isinstance(value, dict):  # Keras 3 DTypePolicy
        name = (value.get("config") or {}).get("name")
        if name not in ("float16", "float32", "float64"):
            raise NotImplementedError(f"{class_name}: the dtype policy {name!r} (mixed precision) is not supported by minikeras.")
        return name
    return value


def _object_from_keras(value, key, class_name):
    """An initializer, regularizer or constraint object of any dialect, as minikeras' dict."""
    name = value.get("class_name")
    config = dict(value.get("config") or {})
    if name == "__tensor__" or name is None:
        raise ValueError(f"{class_name}: {key} holds {value!r:.100}, which is not an object config.")
    name = _KERAS3_INITIALIZER_NAMES.get(name, name)
    if name is None:
        raise NotImplementedError(f"{class_name}: the {key} {value.get('class_name')!r} has no minikeras equivalent.")
    if name in ("L1", "L2"):
        config = {"l1": float(config.get("l1", 0.0)), "l2": 0.0} if name == "L1" else \
                 {"l1": 0.0, "l2": float(config.get("l2", 0.0))}
        name = "L1L2"
    for extra in ("input_axes", "output_axes"):
        if config.get(extra, None) is None:
            config.pop(extra, None)
    return {"class_name": name, "config": config}


def _drop_unknown_arguments(class_name, config, custom_objects):
    cls = _minikeras_layer_class(class_name, custom_objects)
    if cls is None or class_name == "Lambda" or class_name in custom_objects:
        return config  # a custom layer, or Lambda, which reads its own config
    own = _own_arguments(cls)
    accepted = _accepted_arguments(cls)
    result = {}
    for key, value in config.items():
        if key in own:
            result[key] = value
        elif key in _NEUTRAL_KERAS3_ARGUMENTS and _same(value, _NEUTRAL_KERAS3_ARGUMENTS[key]):
            continue  # a Keras 3 argument at the value that behaves as Keras 2
        elif key in accepted:
            result[key] = value
        elif key in ("module", "registered_name", "build_config", "compile_config", "shared_object_id"):
            continue
        else:
            raise NotImplementedError(
                f"{class_name} {config.get('name', '')!r}: the argument {key}={value!r:.80} of this "
                f"file has no equivalent in minikeras (Keras 2's arguments); the layer cannot be "
                f"rebuilt with the same behaviour.")
    return result


def _same(value, allowed):
    return any(value == a and type(value) is type(a) or (value is None and a is None) for a in allowed)


def _minikeras_layer_class(class_name, custom_objects):
    from minikeras.models.registry import layer_class

    try:
        return layer_class(class_name, custom_objects)
    except ValueError:
        return None


def _own_arguments(cls):
    """The named arguments of ``cls.__init__`` itself, and the base Layer's keywords."""
    from minikeras.layers.base_layer import _BASE_KWARGS

    parameters = inspect.signature(cls.__init__).parameters.values()
    return set(_BASE_KWARGS) | {p.name for p in parameters
                                if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL) and p.name != "self"}


def _accepted_arguments(cls):
    from minikeras.layers.base_layer import _BASE_KWARGS

    accepted = set(_BASE_KWARGS)
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        for parameter in inspect.signature(init).parameters.values():
            if parameter.kind not in (parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL):
                accepted.add(parameter.name)
    accepted.discard("self")
    return accepted


# --- writing: minikeras -> Keras 3 --------------------------------------------------------------
def model_config_to_keras3(model):
    """``model``'s config in Keras 3's dialect: what ``config.json`` of a ``.keras`` file holds."""
    return _layer_to_keras3(model, model.get_config() if _is_model(model) else None)


def _is_model(layer):
    return getattr(layer, "_is_model", False)


def _layer_to_keras3(layer, config=None):
    class_name = keras3_class_name(layer)
    if getattr(layer, "_is_sequential", False):
        body = _sequential_to_keras3(layer)
        module = "keras"
    elif class_name == "Functional":
        body = _functional_to_keras3(layer)
        module = "keras.src.models.functional"
    else:
        body = _layer_config_to_keras3(class_name, layer.get_config())
        module = "keras.layers"
    entry = {"module": module, "class_name": class_name, "config": body,
             "registered_name": "Functional" if class_name == "Functional" else None}
    build_shape = _build_input_shape(layer)
    if build_shape is not None:
        entry["build_config"] = {"input_shape": build_shape}
    return entry


def _build_input_shape(layer):
    shape = getattr(layer, "_build_input_shape", None)
    if shape is None:
        try:
            shape = layer.input_shape
        except (AttributeError, ValueError, RuntimeError):
            return None
    return _jsonable_shape(shape)


def _jsonable_shape(shape):
    if shape is None:
        return None
    if isinstance(shape, list) and shape and isinstance(shape[0], (list, tuple)):
        return [_jsonable_shape(s) for s in shape]
    return [None if s is None else int(s) for s in shape]


def _sequential_to_keras3(model):
    layers = []
    batch_shape = _jsonable_shape(model.input_shape) if model.built else None
    if batch_shape is not None:
        layers.append({"module": "keras.layers", "class_name": "InputLayer",
                       "config": {"batch_shape": batch_shape, "dtype": model.layers[0].dtype if model.layers else "float32",
                                  "sparse": False, "name": _input_name(model)},
                       "registered_name": None})
    for layer in model.layers:
        layers.append(_layer_to_keras3(layer))
    config = {"name": model.name, "trainable": model.trainable, "layers": layers}
    if batch_shape is not None:
        config["build_input_shape"] = batch_shape
    return config


def _input_name(model):
    inputs = getattr(model, "_input_layers", None) or []
    return inputs[0].name if inputs else f"{model.name}_input"


def _functional_to_keras3(model):
    keras2 = model.get_config()
    by_name = {layer.name: layer for layer in model.layers}
    layers = []
    for entry in keras2["layers"]:
        layer = by_name[entry["name"]]
        if type(layer).__name__ == "InputLayer":
            converted = {"module": "keras.layers", "class_name": "InputLayer",
                         "config": _layer_config_to_keras3("InputLayer", entry["config"]),
                         "registered_name": None}
        else:
            converted = _layer_to_keras3(layer)
        converted["name"] = entry["name"]
        converted["inbound_nodes"] = [_node_to_keras3(node, by_name) for node in entry["inbound_nodes"]]
        layers.append(converted)
    ends = {key: [[name, node - _first_call_index(by_name[name]), tensor]
                  for name, node, tensor in keras2[key]] for key in ("input_layers", "output_layers")}
    return {"name": keras2["name"], "trainable": model.trainable, "layers": layers, **ends}


def _first_call_index(layer):
    from minikeras.models.functional_config import _first_call_index as first_call

    return first_call(layer)


def _node_to_keras3(node, by_name):
    tensors, kwargs = [], {}
    for name, node_index, tensor_index, *rest in node:
        kwargs.update(rest[0] if rest else {})
        layer = by_name[name]
        node_index -= _first_call_index(layer)  # Keras 3 counts a model's first call as 0
        shape = _output_shape_of(layer, node_index, tensor_index)
        tensors.append({"class_name": "__keras_tensor__",
                        "config": {"shape": shape, "dtype": layer.dtype,
                                   "keras_history": [name, node_index, tensor_index]}})
    return {"args": [tensors[0]] if len(tensors) == 1 else [tensors], "kwargs": kwargs}


def _output_shape_of(layer, call_index, tensor_index):
    """The shape of output ``tensor_index`` of the ``call_index``-th call of ``layer``."""
    nodes = [node for node in layer._inbound_nodes]
    if call_index >= len(nodes):
        raise ValueError(f"Layer {layer.name!r} has no call #{call_index}.")
    output = nodes[call_index].output_tensors[tensor_index]
    return _jsonable_shape(output.shape)


def _layer_config_to_keras3(class_name, config):
    config = dict(config)
    if class_name == "ThresholdedReLU" or class_name.startswith("LocallyConnected"):
        raise NotImplementedError(
            f"{class_name} {config.get('name', '')!r}: Keras 3 has no {class_name} layer, so this "
            "model cannot be written as a Keras 3 file; save it as '.h5' for Keras 2 / tf.keras.")
    if class_name == "InputLayer":
        config["batch_shape"] = config.pop("batch_input_shape")
    config.pop("batch_input_shape", None)
    config.pop("input_length", None) if class_name == "Embedding" else None
    for key, neutral in _KERAS3_REFUSES.get(class_name, {}).items():
        if key in config and config[key] != neutral:
            raise NotImplementedError(
                f"{class_name} {config.get('name', '')!r}: Keras 3's {class_name} has no argument "
                f"{key!r} (here {config[key]!r}); this model cannot be written as a Keras 3 file.")
        config.pop(key, None)
    translated = {}
    for key, value in config.items():
        key = _RENAMED_TO_KERAS3.get((class_name, key), key)
        if key.endswith(tuple(_OBJECT_MODULES)) and isinstance(value, dict):
            module = next(m for suffix, m in _OBJECT_MODULES.items() if key.endswith(suffix))
            value = {"module": module, "class_name": value["class_name"],
                     "config": dict(value.get("config") or {}), "registered_name": None}
        elif key in _NESTED_LAYER_KEYS and isinstance(value, dict) and "class_name" in value:
            value = {"module": "keras.layers", "class_name": value["class_name"],
                     "config": _layer_config_to_keras3(value["class_name"], value["config"]),
                     "registered_name": None}
        elif key == "cells" and isinstance(value, list):
            value = [{"module": "keras.layers", "class_name": c["class_name"],
                      "config": _layer_config_to_keras3(c["class_name"], c["config"]),
                      "registered_name": None} for c in value]
        elif key in ("activation", "recurrent_activation") and value == "hard_sigmoid":
            _warn_hard_sigmoid(class_name, config.get("name"))
        translated[key] = value
    return translated


def _warn_hard_sigmoid(class_name, name):
    warnings.warn(
        f"{class_name} {name!r} uses 'hard_sigmoid', which is clip(0.2x + 0.5, 0, 1) in Keras 2 and "
        "minikeras but clip(x/6 + 0.5, 0, 1) in Keras 3: the Keras 3 model will compute other "
        "numbers. Use 'sigmoid' for a model meant for Keras 3.", stacklevel=4)


# --- optimizers -----------------------------------------------------------------------------------
_OPTIMIZERS = ("SGD", "RMSprop", "Adagrad", "Adadelta", "Adam", "Adamax", "Nadam")


def optimizer_to_keras3(optimizer_config):
    """minikeras' ``{"class_name", "config"}`` of an optimizer, in Keras 3's terms."""
    name, config = optimizer_config["class_name"], dict(optimizer_config["config"])
    learning_rate = config.pop("learning_rate", config.pop("lr", None))
    decay = config.pop("decay", 0.0) or 0.0
    if decay:
        learning_rate = {"module": "keras.optimizers.schedules", "class_name": "InverseTimeDecay",
                         "config": {"initial_learning_rate": learning_rate, "decay_steps": 1,
                                    "decay_rate": decay, "staircase": False, "name": "InverseTimeDecay"},
                         "registered_name": None}
    if "clipnorm" in config:
        config["global_clipnorm"] = config.pop("clipnorm")
    config = {"name": name.lower(), "learning_rate": learning_rate, **config}
    return {"module": "keras.optimizers", "class_name": name, "config": config, "registered_name": None}


def optimizer_from_keras(entry):
    """An optimizer config of any dialect, as minikeras' ``{"class_name", "config"}``."""
    if isinstance(entry, str):
        return {"class_name": entry, "config": {}}
    name = entry.get("class_name")
    if isinstance(name, str) and name.startswith("Custom>"):  # tf.keras 2.11+ registers its own
        name = name[len("Custom>"):]
    if name not in _OPTIMIZERS:
        raise NotImplementedError(f"The optimizer {name!r} of this file has no minikeras equivalent.")
    config = dict(entry.get("config") or {})
    result = {}
    learning_rate = config.pop("learning_rate", config.pop("lr", None))
    if isinstance(learning_rate, dict):
        schedule = learning_rate.get("config") or {}
        if learning_rate.get("class_name") != "InverseTimeDecay" or schedule.get("staircase"):
            raise NotImplementedError(
                f"{name}: the learning-rate schedule {learning_rate.get('class_name')!r} has no Keras 2 equivalent.")
        result["decay"] = float(schedule["decay_rate"]) / float(schedule.get("decay_steps", 1))
        if float(schedule.get("decay_steps", 1)) != 1.0:
            raise NotImplementedError(f"{name}: InverseTimeDecay with decay_steps != 1 has no Keras 2 equivalent.")
        learning_rate = schedule["initial_learning_rate"]
    if learning_rate is not None:
        result["learning_rate"] = _shortest_float(learning_rate)
    if config.pop("global_clipnorm", None) is not None:
        result["clipnorm"] = entry["config"]["global_clipnorm"]
    for key, value in config.items():
        if key in ("name", "use_ema", "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor",
                   "gradient_accumulation_steps", "weight_decay", "clipnorm", "is_legacy_optimizer",
                   "jit_compile", "centered", "initial_accumulator_value", "momentum"):
            _check_neutral_optimizer_argument(name, key, value)
            if not (key == "momentum" and name == "SGD"):
                continue
        result[key] = value
    return {"class_name": name, "config": result}


def _shortest_float(value):
    """A float written by a float32 framework, as its shortest decimal (0.01, not 0.0099999998)."""
    import numpy as np

    value = float(value)
    shortest = float(repr(np.float32(value)).replace("np.float32(", "").rstrip(")"))
    return shortest if float(np.float32(shortest)) == float(np.float32(value)) else value


def _check_neutral_optimizer_argument(name, key, value):
    neutral = {"use_ema": (False,), "weight_decay": (None, 0, 0.0), "clipnorm": (None,),
               "loss_scale_factor": (None,), "gradient_accumulation_steps": (None,),
               "centered": (False,), "momentum": (0, 0.0), "is_legacy_optimizer": (False,)}
    if key == "momentum" and name == "SGD":
        return
    if key in neutral and value not in neutral[key]:
        raise NotImplementedError(
            f"{name}: the optimizer argument {key}={value!r} of this file has no Keras 2 equivalent "
            "in minikeras; compile the loaded model yourself (load_model(..., compile=False)).")


def plain_compile_entry(entry):
    """Loss and metric entries of any dialect as the names or dicts minikeras' compile takes."""
    if isinstance(entry, dict) and "class_name" in entry:
        return {"class_name": entry["class_name"], "config": entry.get("config") or {}}
    if isinstance(entry, dict):
        return {k: plain_compile_entry(v) for k, v in entry.items()}
    if isinstance(entry, list):
        return [plain_compile_entry(v) for v in entry]
    return entry


def compile_from_keras(model, optimizer, loss, metrics, weighted_metrics, loss_weights,
                       custom_objects, filepath):
    """Compile ``model`` with the training settings a Keras file holds, in any dialect.

    Returns False (after a warning that the model is returned uncompiled) when a setting has
    no minikeras equivalent: the weights were loaded, the user can compile it.
    """
    import warnings

    from minikeras.models.saving import native

    try:
        native._compile_from_config(model, {
            "optimizer_config": optimizer_from_keras(optimizer),
            "loss": plain_compile_entry(loss), "metrics": plain_compile_entry(metrics),
            "weighted_metrics": plain_compile_entry(weighted_metrics), "loss_weights": loss_weights,
        }, custom_objects)
    except (NotImplementedError, ValueError, TypeError, KeyError) as error:
        warnings.warn(f"load_model({filepath!r}): the model is returned uncompiled, because its "
                      f"training settings have no minikeras equivalent ({error}). Compile it yourself.",
                      stacklevel=4)
        return False
    return True
