"""Shape errors during model.add, a functional call or fit name the layer, the shapes, and
suggest the likely fix."""
import numpy as np
import pytest

from minikeras import Input, layers, models


def cnn(flatten=True, **compile_args):
    stack = [layers.Conv2D(4, 3, input_shape=(12, 12, 1))]
    stack += [layers.Flatten()] if flatten else []
    model = models.Sequential(stack + [layers.Dense(10, activation="softmax")])
    model.compile("sgd", compile_args.get("loss", "categorical_crossentropy"))
    return model


ONE_HOT = np.eye(10)[[1, 2, 3, 4]]


def test_fit_without_flatten_before_dense():
    with pytest.raises(ValueError, match=r"expected dense_\d+ to have 4 dimensions, but got array with "
                                         r"shape \(4, 10\) Hint: the model's output \(None, 10, 10, 10\) "
                                         r"still has spatial axes: add Flatten\(\)"):
        cnn(flatten=False).fit(np.zeros((4, 12, 12, 1)), ONE_HOT, verbose=0)


def test_fit_with_missing_channel_axis_or_the_other_data_format():
    with pytest.raises(ValueError, match=r"got array with shape \(4, 12, 12\) Hint: the data has no "
                                         r"channel axis; add one with x = x\[\.\.\., np\.newaxis\]"):
        cnn().fit(np.zeros((4, 12, 12)), ONE_HOT, verbose=0)
    with pytest.raises(ValueError, match=r"Hint: the data is channels_first but the model is "
                                         r"channels_last: np\.moveaxis\(x, 1, -1\)"):
        cnn().fit(np.zeros((4, 1, 12, 12)), ONE_HOT, verbose=0)
    with pytest.raises(ValueError, match=r"Hint: this looks like one sample without the batch axis"):
        cnn().predict_on_batch(np.zeros((12, 12, 1)))


def test_fit_with_labels_in_the_wrong_form():
    with pytest.raises(ValueError, match=r"\(integer class labels\) but got array with shape \(10,\) "
                                         r"Hint: these targets look one-hot; .*y\.argmax\(axis=-1\)"):
        cnn(loss="sparse_categorical_crossentropy").fit(np.zeros((4, 12, 12, 1)), ONE_HOT, verbose=0)
    with pytest.raises(ValueError, match=r"Hint: these targets look like integer class labels; .*"
                                         r"to_categorical\(y, 10\)"):
        cnn(loss="mse").fit(np.zeros((4, 12, 12, 1)), np.array([1, 2, 3, 4]), verbose=0)


def test_model_add_and_functional_calls_name_the_layer_and_the_fix():
    model = models.Sequential([layers.Dense(10, input_shape=(784,))])
    with pytest.raises(ValueError, match=r"Layer 'conv2d_\d+' is incompatible with the layer: expected "
                                         r"ndim=4, found ndim=2\. Full shape received: \(None, 10\) "
                                         r"Hint: this layer needs \(batch, rows, columns, channels\)"):
        model.add(layers.Conv2D(3, 3))
    dense = layers.Dense(10)
    dense(np.zeros((2, 784)))
    with pytest.raises(ValueError, match=r"expected axis -1 of the input to have value 784, but received "
                                         r"input with shape \(None, 28, 28\).* Hint: add Flatten\(\) before "
                                         r"this Dense: .*28 \* 28 = 784"):
        dense(Input((28, 28)))
    with pytest.raises(ValueError, match=r"found ndim=3\. Full shape received: \(None, 28, 28\) Hint: the "
                                         r"input has no channel axis .*Reshape\(\(28, 28, 1\)\)"):
        layers.Conv2D(3, 3)(Input((28, 28)))


def test_eager_calls_get_hints_too():
    conv = layers.Conv2D(3, 3)
    conv(np.zeros((1, 8, 8, 3)))
    with pytest.raises(ValueError, match=r"Hint: the input is missing one axis\. If it holds one sample, "
                                         r"add the batch axis: x\[np\.newaxis\]"):
        conv(np.zeros((8, 8, 3)))
    with pytest.raises(ValueError, match=r"Hint: the data looks channels_first while the layer is "
                                         r"channels_last"):
        conv(np.zeros((1, 3, 8, 8)))
    with pytest.raises(ValueError, match=r"Hint: the input has no batch axis; for one sample use "
                                         r"x\[np\.newaxis\] \(shape \(1, 5\)\)"):
        layers.Dense(2)(np.zeros(5))


def test_no_hint_when_no_mistake_is_recognised():
    with pytest.raises(ValueError) as info:
        cnn().fit(np.zeros((4, 12, 13, 1)), ONE_HOT, verbose=0)
    assert "Hint" not in str(info.value)
