"""Lambda: calling, shapes, masks, and the safe config round trip (never eval, never unpickle)."""
import json

import numpy as np
import pytest

from minikeras import backend as K
from minikeras import ops
from minikeras.layers.core.lambda_layer import Lambda
from minikeras.utils.layer_test import layer_test


def square_plus(x, offset=0.0):
    return x ** 2 + offset


def two_ways(tensors):
    a, b = tensors
    return [a * b, K.sum(a - b, axis=-1)]


def first_half_shape(input_shape):
    return input_shape[:-1] + (input_shape[-1] // 2,)


def first_half(x):
    return x[:, : x.shape[-1] // 2]


def keep_first_step(inputs, mask):
    return np.array([[True, False, False]] * inputs.shape[0])


def test_calls_and_arguments():
    out = layer_test(Lambda, {"function": square_plus, "arguments": {"offset": 1.0}}, input_shape=(2, 3),
                     expected_output_shape=(None, 3), custom_objects={"square_plus": square_plus})
    assert out.shape == (2, 3) and (out >= 1.0).all()
    outs = layer_test(Lambda, {"function": two_ways}, input_shape=[(2, 3), (2, 3)],
                      expected_output_shape=[(None, 3), (None,)], custom_objects={"two_ways": two_ways})
    assert [o.shape for o in outs] == [(2, 3), (2,)]
    layer_test(Lambda, {"function": first_half, "output_shape": first_half_shape}, input_shape=(2, 4),
               expected_output_shape=(None, 2), custom_objects={"first_half": first_half,
                                                                "first_half_shape": first_half_shape})
    layer_test(Lambda, {"function": first_half, "output_shape": (2,)}, input_shape=(3, 4),
               expected_output_shape=(None, 2), custom_objects={"first_half": first_half})


def test_output_shape_forms():
    assert Lambda(first_half, output_shape=(5, 2)).compute_output_shape((7, 4)) == (7, 5, 2)
    assert Lambda(first_half, output_shape=[2]).compute_output_shape((None, 4)) == (None, 2)
    assert Lambda(two_ways, output_shape=(3,)).compute_output_shape([(8, 3), (8, 3)]) == (8, 3)
    assert Lambda(first_half, output_shape=lambda s: [s[0], 2]).compute_output_shape((None, 4)) == (None, 2)
    with pytest.raises(ValueError, match=r"Lambda 'l': the `output_shape` function must return a tuple or a list of tuples, it returned 3\."):
        Lambda(first_half, output_shape=lambda s: 3, name="l").compute_output_shape((None, 4))


def test_output_shape_inferred_by_running_on_zeros():
    assert Lambda(lambda x: x ** 2).compute_output_shape((None, 3)) == (None, 3)
    assert Lambda(lambda x: K.concatenate([x, x], axis=1)).compute_output_shape((None, 3)) == (None, 6)
    assert Lambda(lambda x: K.mean(x, axis=0)).compute_output_shape((None, 3)) == (3,)
    assert Lambda(lambda x: K.log(x)).compute_output_shape((4, 2)) == (4, 2)  # log(0): no warning matters
    # an unknown timestep axis stays unknown; a fixed one is computed
    assert Lambda(lambda x: K.sum(x, axis=-1)).compute_output_shape((None, None, 5)) == (None, None)
    assert Lambda(lambda x: ops.reshape(x, (-1, 2, 3))).compute_output_shape((None, 6)) == (None, 2, 3)
    assert Lambda(two_ways).compute_output_shape([(None, 4), (None, 4)]) == [(None, 4), (None,)]
    assert Lambda(lambda xs: xs[0] + 1.0).compute_output_shape([(None, 4)]) == (None, 4)


def test_masks():
    seen = {}

    def record(x, mask=None):
        seen["mask"] = mask
        return x

    x = np.ones((2, 3, 2))
    mask = np.array([[True, True, False], [True, False, False]])
    Lambda(record)(x, mask=mask)
    np.testing.assert_array_equal(seen["mask"], mask)

    fixed = Lambda(lambda t: t * 2.0, mask=mask)
    assert fixed.supports_masking
    np.testing.assert_array_equal(fixed(x)._keras_mask, mask)
    computed = Lambda(lambda t: t * 2.0, mask=keep_first_step)
    np.testing.assert_array_equal(computed(x)._keras_mask, [[True, False, False]] * 2)
    assert not Lambda(lambda t: t).supports_masking


def test_config_stores_names_not_code():
    layer = Lambda(square_plus, output_shape=first_half_shape, arguments={"offset": np.array([1.0, 2.0])}, name="sq")
    config = layer.get_config()
    json.dumps(config)
    assert config["function"] == f"{__name__}:square_plus" and config["function_type"] == "function"
    assert config["output_shape"] == f"{__name__}:first_half_shape" and config["output_shape_type"] == "function"
    assert config["arguments"] == {"offset": {"type": "ndarray", "value": [1.0, 2.0]}}
    marker = Lambda(lambda x: x + 1).get_config()
    assert marker["function"].endswith("<lambda>") and marker["function_type"] == "lambda"

    def local(x):
        return x

    nested = Lambda(local).get_config()
    assert nested["function_type"] == "lambda" and nested["function"].endswith("<locals>.local")
    assert Lambda(K.relu).get_config()["function"] == "minikeras.backend:relu"
    raw = Lambda(square_plus, output_shape=(3, 2), mask=np.array([[True, False]])).get_config()
    assert raw["output_shape"] == (3, 2) and raw["output_shape_type"] == "raw"
    assert raw["mask"] == [[True, False]] and raw["mask_type"] == "raw"


def test_from_config_refuses_to_import_in_safe_mode():
    config = json.loads(json.dumps(Lambda(K.relu, name="act").get_config()))
    with pytest.raises(ValueError, match=r"Lambda 'act': rebuilding it needs the function 'minikeras\.backend:relu', which would be "
                                         r"imported from its module \(running that module's code\)\. This is refused in safe mode: "
                                         r"pass safe_mode=False if you trust this config"):
        Lambda.from_config(config)
    rebuilt = Lambda.from_config(config, safe_mode=False)
    assert rebuilt.function is K.relu and rebuilt.name == "act"
    mine = Lambda.from_config(config, custom_objects={"relu": K.sigmoid})
    assert mine.function is K.sigmoid


def test_from_config_round_trip_with_all_parts():
    layer = Lambda(square_plus, output_shape=first_half_shape, mask=keep_first_step,
                   arguments={"offset": np.array([1.0, 2.0])}, name="full")
    config = json.loads(json.dumps(layer.get_config()))
    rebuilt = Lambda.from_config(config, safe_mode=False)
    assert rebuilt.function is square_plus and rebuilt._output_shape is first_half_shape
    assert rebuilt.mask is keep_first_step
    np.testing.assert_array_equal(rebuilt.arguments["offset"], [1.0, 2.0])
    assert json.dumps(rebuilt.get_config(), sort_keys=True) == json.dumps(config, sort_keys=True)
    raw = Lambda(square_plus, output_shape=(3,), mask=np.array([[True, False]]))
    again = Lambda.from_config(json.loads(json.dumps(raw.get_config())), custom_objects={"square_plus": square_plus})
    assert again._output_shape == (3,) and again.mask.dtype == bool


def test_lambda_expressions_cannot_be_rebuilt():
    config = json.loads(json.dumps(Lambda(lambda x: x * 3, name="triple").get_config()))
    for safe_mode in (True, False):
        with pytest.raises(ValueError, match=r"Lambda 'triple': the function was a lambda expression or a locally defined "
                                             r"function \('.*<lambda>'\); its code is not stored in the config"):
            Lambda.from_config(config, safe_mode=safe_mode)


def test_never_runs_stored_code():
    # A Keras 2 config holds base64 bytecode under function_type 'lambda': it is never loaded.
    keras2 = {"name": "old", "function": ["4wEAAAAAAAAAAAAAAAEAAAAC", None, None], "function_type": "lambda",
              "output_shape": None, "output_shape_type": "raw", "arguments": {}}
    with pytest.raises(ValueError, match=r"Lambda 'old': expected the function as a name, found list\."):
        Lambda.from_config(keras2, safe_mode=False)
    # A Keras 2 named function is a bare name: only custom_objects can supply it.
    bare = dict(keras2, function="antirectifier", function_type="function")
    with pytest.raises(ValueError, match=r"Lambda 'old': the function 'antirectifier' is not a 'module:qualname' reference; "
                                         r"pass it in custom_objects=\{'antirectifier': \.\.\.\}\."):
        Lambda.from_config(bare, safe_mode=False)
    assert Lambda.from_config(bare, custom_objects={"antirectifier": K.relu}).function is K.relu
    # Only functions are imported, not classes or other objects.
    not_function = dict(bare, function="minikeras.tensor:Tensor")
    with pytest.raises(ValueError, match=r"Lambda 'old': 'minikeras\.tensor:Tensor' is a type, not a function; "
                                         r"only named module functions are imported\."):
        Lambda.from_config(not_function, safe_mode=False)
    missing = dict(bare, function="minikeras.backend:no_such_function")
    with pytest.raises(ValueError, match=r"Lambda 'old': cannot import the function 'minikeras\.backend:no_such_function'"):
        Lambda.from_config(missing, safe_mode=False)
    with pytest.raises(ValueError, match=r"Lambda 'old': unknown function type 'pickle' in the config\."):
        Lambda.from_config(dict(bare, function_type="pickle"), safe_mode=False)
