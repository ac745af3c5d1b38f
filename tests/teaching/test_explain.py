"""layer.explain(input_shape) agrees with compute_output_shape, family by family, and says
how the numbers follow; model.summary(explain=True) prints it under each layer."""
import itertools

import numpy as np
import pytest

from minikeras import layers, models
from minikeras.utils import conv_utils

FORMATS = ["channels_last", "channels_first"]


def batch_shape(spatial, channels, data_format):
    return ((None, *spatial, channels) if data_format == "channels_last"
            else (None, channels, *spatial))


def conv_layers(rng):
    """Every convolution family with every padding mode it accepts, in both formats."""
    cases = []
    for rank, data_format in itertools.product((1, 2, 3), FORMATS):
        conv_class = {1: layers.Conv1D, 2: layers.Conv2D, 3: layers.Conv3D}[rank]
        paddings = ["valid", "same"] + (["causal"] if rank == 1 and data_format == "channels_last" else [])
        for padding, (strides, dilation) in itertools.product(paddings, [(1, 1), (2, 1), (3, 1), (1, 2)]):
            spatial = tuple(int(v) for v in rng.integers(7, 12, rank))
            kernel = int(rng.integers(1, 4))
            args = dict(kernel_size=kernel, strides=strides, dilation_rate=dilation, padding=padding,
                        data_format=data_format)
            cases.append((conv_class(3, **args), batch_shape(spatial, 2, data_format)))
            if rank < 3 and padding != "causal":
                separable = {1: layers.SeparableConv1D, 2: layers.SeparableConv2D}[rank]
                cases.append((separable(4, depth_multiplier=2, **args), batch_shape(spatial, 3, data_format)))
            if rank == 2:
                cases.append((layers.DepthwiseConv2D(depth_multiplier=3, **args),
                              batch_shape(spatial, 2, data_format)))
            if rank > 1 and padding != "causal" and dilation == 1:
                transpose = {2: layers.Conv2DTranspose, 3: layers.Conv3DTranspose}[rank]
                cases.append((transpose(2, **args), batch_shape(spatial, 3, data_format)))
                if strides > 1:
                    cases.append((transpose(2, output_padding=strides - 1, **args),
                                  batch_shape(spatial, 3, data_format)))
    return cases


def other_layers(rng):
    cases = []
    for rank, data_format in itertools.product((1, 2, 3), FORMATS):
        spatial = tuple(int(v) for v in rng.integers(5, 9, rank))
        shape = batch_shape(spatial, 2, data_format)
        suffix = f"{rank}D"
        fmt = {} if rank == 1 else {"data_format": data_format}
        if rank == 1 and data_format == "channels_first":
            continue
        for padding in ("valid", "same"):
            for pool, strides in ((2, None), (3, 2), (3, 1)):
                for kind in ("MaxPooling", "AveragePooling"):
                    layer_class = getattr(layers, kind + suffix)
                    cases.append((layer_class(pool, strides=strides, padding=padding, **fmt), shape))
        for kind in ("GlobalMaxPooling", "GlobalAveragePooling"):
            cases.append((getattr(layers, kind + suffix)(**fmt), shape))
        cases.append((getattr(layers, "Cropping" + suffix)(1 if rank > 1 else (1, 2), **fmt), shape))
        cases.append((getattr(layers, "ZeroPadding" + suffix)(2 if rank > 1 else (0, 3), **fmt), shape))
        cases.append((getattr(layers, "UpSampling" + suffix)(2 if rank > 1 else 3, **fmt), shape))
    cases.append((layers.UpSampling2D((2, 3), interpolation="bilinear"), (None, 4, 5, 1)))
    cases += [(layers.Dense(5), (None, 7)), (layers.Dense(5), (None, 3, 7)),
              (layers.Flatten(), (None, 4, 5, 6)), (layers.Flatten("channels_first"), (None, 4, 5, 6)),
              (layers.Reshape((-1, 2)), (None, 3, 4)), (layers.Reshape((12,)), (None, 3, 4)),
              (layers.Activation("relu"), (None, 3)), (layers.Dropout(0.5), (None, 3, 2)),
              (layers.Permute((2, 1)), (None, 3, 4)), (layers.RepeatVector(3), (None, 4))]
    return cases


ALL = conv_layers(np.random.default_rng(0)) + other_layers(np.random.default_rng(1))


def test_every_family_is_covered():
    names = {type(layer).__name__ for layer, _ in ALL}
    for expected in ("Conv1D", "Conv2D", "Conv3D", "SeparableConv1D", "SeparableConv2D",
                     "DepthwiseConv2D", "Conv2DTranspose", "Conv3DTranspose", "MaxPooling3D",
                     "AveragePooling1D", "GlobalMaxPooling2D", "Cropping3D", "ZeroPadding1D",
                     "UpSampling3D", "Dense", "Flatten", "Reshape", "Activation"):
        assert expected in names
    paddings = {getattr(layer, "padding", None) for layer, _ in ALL}
    assert {"valid", "same", "causal"} <= paddings


@pytest.mark.parametrize("layer, shape", ALL, ids=lambda v: type(v).__name__ if not isinstance(v, tuple) else str(v))
def test_explain_agrees_with_compute_output_shape(layer, shape):
    explanation = layer.explain(shape)
    expected = tuple(layer.compute_output_shape(shape))
    assert explanation.output_shape == expected
    assert str(explanation).splitlines()[0].endswith(f"input {shape} -> output {expected}")
    for unknown in (None,):  # an unknown spatial size stays unknown
        if len(shape) > 2 and hasattr(layer, "rank") and "Global" not in type(layer).__name__:
            axis = 2 if getattr(layer, "data_format", "channels_last") == "channels_first" else 1
            partial = shape[:axis] + (unknown,) + shape[axis + 1:]
            assert layer.explain(partial).output_shape == tuple(layer.compute_output_shape(partial))


def test_same_padding_split_and_formulas_are_spelled_out():
    text = str(layers.Conv2D(1, 4, strides=3, padding="same").explain((None, 10, 11, 1)))
    for size in (10, 11):
        out = conv_utils.conv_output_length(size, 4, "same", 3)
        before, after = conv_utils.conv_padding_amounts(size, 4, "same", 3)
        assert (f"in {size}, out = ceil({size} / 3) = {out}; zeros max({out - 1} * 3 + 4 - {size}, 0) "
                f"= {before + after}: {before} before, {after} after") in text
    assert "the smaller half before" in text
    valid = str(layers.Conv1D(1, 3, dilation_rate=2).explain((None, 9, 1)))
    assert "k_eff = (3 - 1) * 2 + 1 = 5, out = ceil((9 - 5 + 1) / 1) = 5" in valid
    causal = str(layers.Conv1D(1, 3, padding="causal", dilation_rate=2).explain((None, 9, 1)))
    assert "4 zeros before, out = ceil(9 / 1) = 9" in causal
    transpose = str(layers.Conv2DTranspose(1, 3, strides=2, padding="same", output_padding=1)
                    .explain((None, 5, 5, 1)))
    assert "out = (5 - 1) * 2 + 3 - 2 * 1 + 1 = 10" in transpose
    pool = str(layers.MaxPooling2D(3, strides=2, padding="same").explain((None, 7, 8, 1)))
    assert "pool window (3, 3), strides (2, 2)" in pool and "padded positions take no part" in pool
    assert "height: in 7, out = 7 - 1 - 1 = 5" in str(layers.Cropping2D(1).explain((None, 7, 7, 1)))
    assert "width: in 4, out = 4 * 3 = 12" in str(layers.UpSampling2D((2, 3)).explain((None, 3, 4, 1)))
    assert "weights: kernel (7, 5) + bias (5,) = 40 parameters" in str(layers.Dense(5).explain((None, 7)))
    assert "4 * 5 * 6 = 120" in str(layers.Flatten().explain((None, 4, 5, 6)))


def test_explain_raises_the_layers_own_error():
    with pytest.raises(ValueError, match="expected ndim=4, found ndim=3"):
        layers.Conv2D(1, 3).explain((None, 28, 28))


def test_model_summary_with_explain_adds_each_layers_explanation():
    model = models.Sequential([layers.Conv2D(4, 3, padding="same", input_shape=(9, 9, 1)),
                               layers.MaxPooling2D(), layers.Flatten(), layers.Dense(2)])
    plain, explained = [], []
    model.summary(print_fn=plain.append)
    model.summary(print_fn=explained.append, explain=True)
    extra = [line for line in explained if line not in plain]
    assert len(explained) > len(plain) and all(line.startswith("    ") for line in extra)
    for layer, shape in zip(model.layers, [(None, 9, 9, 1), (None, 9, 9, 4), (None, 4, 4, 4), (None, 64)]):
        for line in str(layer.explain(shape)).splitlines()[1:]:
            assert "    " + line in explained
    assert [line for line in explained if not line.startswith("    ")] == plain
