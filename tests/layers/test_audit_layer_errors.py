"""Audit of issue 4: bad input that used to slip through, crash obscurely or lose the layer's name.

Each case failed before its fix: a convolution accepted ``filters=None``; Dense, Activation and
the base layer's ``activity_regularizer`` reported an unknown name without saying which layer
received it; ``set_weights`` and the base keyword arguments (``input_shape``, ``dtype``,
``name``) failed with NumPy's or Python's messages; Dropout, Reshape and Activation broke on a
list of inputs with an ``AttributeError``; Dense's ``compute_output_shape`` accepted another
``input_dim`` than the one its kernel was built for.
"""
import numpy as np
import pytest

from minikeras import layers


# --- arguments ---------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", [layers.Conv1D, layers.Conv2D, layers.Conv3D, layers.SeparableConv1D,
                                 layers.SeparableConv2D, layers.Conv2DTranspose, layers.Conv3DTranspose])
def test_filters_none_is_refused(cls):
    with pytest.raises(ValueError, match=rf"{cls.__name__} 'c': `filters` must be a positive integer\. "
                                         r"Received: filters=None"):
        cls(None, 3, name="c")


def test_depthwise_conv_still_has_no_filters():
    layer = layers.DepthwiseConv2D(3, depth_multiplier=2)
    assert layer.filters is None
    assert layer(np.ones((1, 5, 5, 3))).shape == (1, 3, 3, 6)


@pytest.mark.parametrize("make, message", [
    (lambda: layers.Dense(2, activation="relu6", name="d"), r"Dense 'd': Unknown activation function: 'relu6'"),
    (lambda: layers.Dense(2, kernel_initializer="xavier", name="d"), r"Dense 'd': Unknown initializer: 'xavier'"),
    (lambda: layers.Dense(2, bias_initializer=None, name="d"), r"Dense 'd': Could not interpret initializer"),
    (lambda: layers.Dense(2, kernel_regularizer="l3", name="d"), r"Dense 'd': Unknown regularizer: 'l3'"),
    (lambda: layers.Dense(2, bias_constraint="positive", name="d"), r"Dense 'd': Unknown constraint: 'positive'"),
    (lambda: layers.Dense(2, activity_regularizer="l4", name="d"), r"Dense 'd': Unknown regularizer: 'l4'"),
    (lambda: layers.MaxPooling2D(activity_regularizer="l4", name="p"), r"MaxPooling2D 'p': Unknown regularizer"),
    (lambda: layers.Activation("swish_x", name="a"), r"Activation 'a': Unknown activation function: 'swish_x'"),
    (lambda: layers.Activation(5, name="a"), r"Activation 'a': Could not interpret activation"),
])
def test_unknown_names_say_which_layer(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_a_random_initializer_asked_for_integers_names_the_layer():
    with pytest.raises(ValueError, match=r"Dense 'd': GlorotUniform: random values need a float dtype"):
        layers.Dense(2, dtype="int32", name="d")(np.ones((1, 3)))


@pytest.mark.parametrize("kwargs, message", [
    ({"input_shape": 5}, r"Dense 'd': `input_shape` must be a tuple of positive ints \(or None for an "
                         r"unknown size\), e\.g\. \(28, 28, 1\); received input_shape=5\."),
    ({"input_shape": (-3,)}, r"Dense 'd': `input_shape` must be .*received input_shape=\(-3,\)\."),
    ({"input_shape": (3.5,)}, r"Dense 'd': `input_shape` must be .*received input_shape=\(3\.5,\)\."),
    ({"input_shape": (float("inf"),)}, r"Dense 'd': `input_shape` must be .*received input_shape=\(inf,\)\."),
    ({"input_shape": "ab"}, r"Dense 'd': `input_shape` must be .*received input_shape='ab'\."),
    ({"batch_input_shape": (None, "a")}, r"Dense 'd': `batch_input_shape` must be .*\(None, 'a'\)\."),
    ({"input_dim": 0}, r"Dense 'd': `input_shape` must be .*received input_shape=\(0,\)\."),
])
def test_bad_input_shape_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        layers.Dense(2, name="d", **kwargs)


def test_good_input_shape_arguments_still_work():
    assert layers.Dense(2, input_shape=[4])._batch_input_shape == (None, 4)
    assert layers.Dense(2, input_shape=(np.int64(4),), batch_size=8)._batch_input_shape == (8, 4)
    assert layers.Conv1D(2, 3, input_shape=(None, 5))._batch_input_shape == (None, None, 5)
    assert layers.Dense(2, input_shape=(3.0,))._batch_input_shape == (None, 3)  # a whole number, as Input


def test_bad_dtype_and_name():
    with pytest.raises(TypeError, match=r"Dense 'd': `dtype` must be a NumPy dtype such as 'float32' or "
                                        r"'float64', received 'float3'\."):
        layers.Dense(2, dtype="float3", name="d")
    with pytest.raises(TypeError, match=r"Dense: `name` must be a string, received 5\."):
        layers.Dense(2, name=5)


# --- set_weights ---------------------------------------------------------------------------------
def built_dense():
    layer = layers.Dense(2, name="d")
    layer.build((None, 3))
    return layer


def test_set_weights_needs_a_list():
    with pytest.raises(TypeError, match=r"Layer 'd': set_weights expects a list of 2 arrays \(shapes "
                                        r"\[\(3, 2\), \(2,\)\]\), but received NoneType\."):
        built_dense().set_weights(None)


@pytest.mark.parametrize("bad, received", [
    (np.full((3, 2), "a"), r"ndarray of dtype <U1"),
    ([[1.0, 2.0], [3.0], [4.0, 5.0]], r"list of dtype object"),
    ([[1.0, None]] * 3, r"list of dtype object"),
])
def test_set_weights_needs_numbers(bad, received):
    layer = built_dense()
    before = layer.get_weights()
    with pytest.raises(ValueError, match=rf"Layer 'd': weight 'kernel' expected an array of numbers of "
                                         rf"shape \(3, 2\), but received {received}\."):
        layer.set_weights([bad, np.zeros(2)])
    for kept, was in zip(layer.get_weights(), before):  # nothing half-set
        np.testing.assert_array_equal(kept, was)


def test_set_weights_on_an_unbuilt_layer_says_so():
    with pytest.raises(ValueError, match=r"Layer 'd': set_weights expected a list of 0 arrays .*received 2 "
                                         r"\(the layer is not built yet: call it or build it first\)\."):
        layers.Dense(2, name="d").set_weights([np.zeros((3, 2)), np.zeros(2)])


def test_set_weights_accepts_a_tuple_and_integer_arrays():
    layer = built_dense()
    layer.set_weights((np.ones((3, 2), dtype=int), np.zeros(2, dtype=bool)))
    np.testing.assert_array_equal(layer.get_weights()[0], np.ones((3, 2)))


# --- inputs --------------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda: layers.Dropout(0.5, name="x"),
    lambda: layers.Reshape((2, 2), name="x"),
    lambda: layers.Activation("relu", name="x"),
])
def test_single_input_layers_refuse_a_list(make):
    x = np.ones((2, 4))
    with pytest.raises(ValueError, match=r"Layer 'x' expects 1 input\(s\), but it received 2 input tensors\."):
        make()([x, x], training=True)


def test_reshape_needs_a_batch_axis():
    with pytest.raises(ValueError, match=r"Layer 'r' is incompatible with the layer: expected min_ndim=1, "
                                         r"found ndim=0"):
        layers.Reshape((1,), name="r")(np.float32(3.0))


def test_dense_output_shape_after_build_checks_input_dim():
    layer = built_dense()
    assert layer.compute_output_shape((None, 5, 3)) == (None, 5, 2)
    with pytest.raises(ValueError, match=r"Layer 'd' is incompatible with the layer: expected axis -1 of the "
                                         r"input to have value 3, but received input with shape \(None, 4\)"):
        layer.compute_output_shape((None, 4))


def test_variables_are_the_weights_under_their_later_keras_names():
    layer = layers.Dense(2)
    layer.build((None, 3))
    assert [id(v) for v in layer.variables] == [id(w) for w in layer.weights]
    assert [id(v) for v in layer.trainable_variables] == [id(w) for w in layer.trainable_weights]
    layer.trainable = False
    assert layer.trainable_variables == [] and len(layer.non_trainable_variables) == 2


def test_an_integer_tensor_is_cast_like_an_integer_array():
    from minikeras import Tensor

    x = Tensor(np.ones((400, 5), dtype=np.int64))
    y = layers.Dropout(0.5, seed=0)(x, training=True)
    assert y.dtype == np.float32
    assert set(np.unique(y.numpy())) == {0.0, 2.0}  # kept values scaled by 1 / (1 - rate)
    with pytest.raises(TypeError, match=r"Layer 'd' expects numeric inputs, got Tensor of dtype complex128\."):
        layers.Dense(2, name="d")(Tensor(np.ones((2, 3), dtype=complex)))
