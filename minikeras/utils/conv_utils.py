"""All the shape arithmetic of convolutions, pooling, padding and cropping, written once.

Layers, operations, kernels' Python twins and tests call these functions; nothing else in
minikeras computes an output length or a ``same`` padding split.

Vocabulary (one spatial axis): input length ``i``, kernel size ``k``, stride ``s``,
dilation ``d``, effective kernel size ``k_eff = (k - 1) * d + 1``, output length ``o``,
zero padding ``pad_before`` and ``pad_after``.
"""
import numpy as np

from minikeras import config

__all__ = [
    "normalize_tuple", "normalize_padding", "normalize_data_format",
    "effective_kernel_size", "conv_output_length", "conv_padding_amounts",
    "deconv_output_length", "deconv_pad_before", "normalize_side_amounts",
    "spatial_rank", "spatial_shape", "with_spatial_shape", "volume_shape", "rows_shape",
]


def normalize_tuple(value, n, name, allow_zero=False):
    """Turn an int or an iterable of ``n`` ints into a tuple of ``n`` ints.

    Raises ``ValueError`` naming the argument when ``value`` is not of that form or holds
    a negative (or, unless ``allow_zero``, a zero) value.

    >>> normalize_tuple(3, 2, "kernel_size")
    (3, 3)
    """
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        result = (int(value),) * n
    else:
        try:
            result = tuple(value)
        except TypeError:
            raise ValueError(
                f"The `{name}` argument must be an int or a tuple of {n} ints. Received: {value!r}"
            ) from None
        if len(result) != n or not all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in result
        ):
            raise ValueError(
                f"The `{name}` argument must be an int or a tuple of {n} ints. Received: {value!r}"
            )
        result = tuple(int(v) for v in result)
    smallest = 0 if allow_zero else 1
    if any(v < smallest for v in result):
        kind = "non-negative" if allow_zero else "positive"
        raise ValueError(f"The `{name}` argument must hold {kind} values. Received: {value!r}")
    return result


def normalize_padding(value, allowed=("valid", "same")):
    """Lower-case a padding mode and check that it is one of ``allowed``."""
    padding = value.lower() if isinstance(value, str) else value
    if padding not in allowed:
        raise ValueError(
            f"The `padding` argument must be one of {', '.join(repr(a) for a in allowed)}. "
            f"Received: {value!r}"
        )
    return padding


def normalize_data_format(value):
    """``None`` becomes ``K.image_data_format()``; anything else must be a known layout."""
    if value is None:
        return config.image_data_format()
    data_format = value.lower() if isinstance(value, str) else value
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(
            "The `data_format` argument must be one of 'channels_first', 'channels_last'. "
            f"Received: {value!r}"
        )
    return data_format


def effective_kernel_size(kernel_size, dilation=1):
    """The span of a dilated kernel: ``(k - 1) * d + 1``."""
    return (kernel_size - 1) * dilation + 1


def conv_output_length(input_length, kernel_size, padding, stride, dilation=1):
    """Output length of a convolution or pooling along one axis (``None`` stays ``None``).

    ``valid``:  ``o = ceil((i - k_eff + 1) / s)`` (0 when the window does not fit)
    ``same``:   ``o = ceil(i / s)``
    ``causal``: ``o = ceil(i / s)`` (the padding is all before the input)
    ``full``:   ``o = ceil((i + k_eff - 1) / s)``
    """
    if input_length is None:
        return None
    k_eff = effective_kernel_size(kernel_size, dilation)
    if padding in ("same", "causal"):
        length = input_length
    elif padding == "valid":
        length = input_length - k_eff + 1
    elif padding == "full":
        length = input_length + k_eff - 1
    else:
        raise ValueError(f"Unknown padding {padding!r}")
    return max((length + stride - 1) // stride, 0)


def conv_padding_amounts(input_length, kernel_size, padding, stride, dilation=1):
    """The zeros added before and after the input along one axis, as TensorFlow adds them.

    ``valid``: none. ``causal``: ``k_eff - 1`` before. ``same``: the total
    ``max((o - 1) * s + k_eff - i, 0)`` is split with the smaller half before.
    ``full``: ``k_eff - 1`` on both sides.
    """
    k_eff = effective_kernel_size(kernel_size, dilation)
    if padding == "valid":
        return 0, 0
    if padding == "causal":
        return k_eff - 1, 0
    if padding == "full":
        return k_eff - 1, k_eff - 1
    if padding == "same":
        out = conv_output_length(input_length, kernel_size, "same", stride, dilation)
        total = max((out - 1) * stride + k_eff - input_length, 0)
        return total // 2, total - total // 2
    raise ValueError(f"Unknown padding {padding!r}")


def deconv_output_length(input_length, kernel_size, padding, output_padding=None, stride=1, dilation=1):
    """Output length of a transposed convolution along one axis (Keras 2's formula).

    Without ``output_padding``: ``valid``: ``i * s + max(k_eff - s, 0)``; ``same``: ``i * s``;
    ``full``: ``i * s - (s + k_eff - 2)``. With it:
    ``(i - 1) * s + k_eff - 2 * pad + output_padding`` where ``pad`` is 0 (valid),
    ``k_eff // 2`` (same) or ``k_eff - 1`` (full).
    """
    if input_length is None:
        return None
    k_eff = effective_kernel_size(kernel_size, dilation)
    if output_padding is None:
        if padding == "valid":
            return input_length * stride + max(k_eff - stride, 0)
        if padding == "same":
            return input_length * stride
        if padding == "full":
            return input_length * stride - (stride + k_eff - 2)
        raise ValueError(f"Unknown padding {padding!r}")
    pad = {"valid": 0, "same": k_eff // 2, "full": k_eff - 1}[padding]
    return (input_length - 1) * stride + k_eff - 2 * pad + output_padding


def deconv_pad_before(input_length, output_length, kernel_size, padding, stride, dilation=1):
    """Zeros before the output of a transposed convolution, as TensorFlow computes them.

    A transposed convolution is the gradient of the convolution that maps its output
    (length ``output_length``) to its input (length ``input_length``); that convolution's
    ``pad_before`` decides where each input element lands:
    ``out[i * s + k * d - pad_before] += x[i] * w[k]``. ``valid``: 0; ``same``:
    ``max((i - 1) * s + k_eff - o, 0) // 2``; ``full``: ``k_eff - 1``.
    """
    k_eff = effective_kernel_size(kernel_size, dilation)
    if padding == "valid":
        return 0
    if padding == "same":
        return max((input_length - 1) * stride + k_eff - output_length, 0) // 2
    if padding == "full":
        return k_eff - 1
    raise ValueError(f"Unknown padding {padding!r}")


def normalize_side_amounts(value, n, name):
    """Padding or cropping amounts per side: ``((before, after),) * n`` from any Keras form.

    Accepted forms: an int (the same on every side), a tuple of ``n`` ints (symmetric per
    axis) or a tuple of ``n`` pairs. For ``n == 1`` a single pair ``(before, after)`` is
    the Keras form of ``ZeroPadding1D``/``Cropping1D``.

    >>> normalize_side_amounts(((1, 2), (3, 4)), 2, "padding")
    ((1, 2), (3, 4))
    >>> normalize_side_amounts(2, 1, "cropping")
    ((2, 2),)
    """
    message = (
        f"`{name}` should be an int, a tuple of {n} ints or a tuple of {n} tuples of 2 ints "
        f"(non-negative). Received: {value!r}"
    )
    if n == 1 and isinstance(value, (tuple, list)) and len(value) == 2 and all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value
    ):
        value = (tuple(value),)
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        amounts = ((int(value), int(value)),) * n
    elif isinstance(value, (tuple, list)) and len(value) == n:
        amounts = []
        for item in value:
            if isinstance(item, (int, np.integer)) and not isinstance(item, bool):
                amounts.append((int(item), int(item)))
            elif isinstance(item, (tuple, list)) and len(item) == 2 and all(
                isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in item
            ):
                amounts.append((int(item[0]), int(item[1])))
            else:
                raise ValueError(message)
        amounts = tuple(amounts)
    else:
        raise ValueError(message)
    if any(v < 0 for pair in amounts for v in pair):
        raise ValueError(message)
    return amounts


def spatial_rank(shape, name, ranks=(3, 4, 5)):
    """The number of spatial axes of a batch ``(N, *spatial, C)`` (or ``(N, C, *spatial)``).

    Raises a ``ValueError`` naming ``name`` (the op or layer) unless ``len(shape)`` is one
    of ``ranks``.

    >>> spatial_rank((8, 28, 28, 3), "max_pool")
    2
    """
    if len(shape) not in ranks:
        expected = ", ".join(str(r) for r in ranks[:-1]) + (" or " if len(ranks) > 1 else "")
        expected += str(ranks[-1])
        raise ValueError(
            f"{name}: expected an input of rank {expected} (batch, spatial axes and channels), "
            f"received an input of shape {tuple(shape)} (rank {len(shape)})."
        )
    return len(shape) - 2


def spatial_shape(shape, data_format):
    """The spatial sizes of a batch: ``shape[1:-1]`` (channels_last) or ``shape[2:]``."""
    return tuple(shape[1:-1]) if data_format == "channels_last" else tuple(shape[2:])


def with_spatial_shape(shape, spatial, data_format):
    """``shape`` with its spatial sizes replaced by ``spatial`` (batch and channels kept).

    >>> with_spatial_shape((8, 3, 10, 10), (5, 5), "channels_first")
    (8, 3, 5, 5)
    """
    if data_format == "channels_last":
        return (shape[0],) + tuple(spatial) + (shape[-1],)
    return (shape[0], shape[1]) + tuple(spatial)


def volume_shape(shape, data_format):
    """The shape under which a batch of 1D, 2D or 3D data is a batch of 3D volumes.

    The pooling and upsampling kernels take one layout, channels-last volumes
    ``(N, D, H, W, C)``. Channels-last data of lower rank gains unit depth (and height);
    channels-first data moves its channels into the batch, each channel a one-channel
    volume of its own. Both are reshapes of a C-contiguous array, so no data moves.

    >>> volume_shape((8, 28, 28, 3), "channels_last")
    (8, 1, 28, 28, 3)
    >>> volume_shape((8, 3, 100), "channels_first")
    (24, 1, 1, 100, 1)
    """
    if data_format == "channels_first":
        batch, spatial, channels = shape[0] * shape[1], tuple(shape[2:]), 1
    else:
        batch, spatial, channels = shape[0], tuple(shape[1:-1]), shape[-1]
    return (batch,) + (1,) * (3 - len(spatial)) + spatial + (channels,)


def rows_shape(shape, data_format):
    """The shape ``(N, D, H, WC)`` the padding kernels see, and the numbers per position.

    The volume of ``volume_shape`` with its last two axes merged: a row of ``W`` positions
    of ``C`` channels is one contiguous run of ``W * C`` numbers, so padding a row by
    ``p`` positions adds ``p * C`` numbers (``C`` is 1 for channels-first data).

    >>> rows_shape((8, 28, 28, 3), "channels_last")
    ((8, 1, 28, 84), 3)
    """
    n, d, h, w, c = volume_shape(shape, data_format)
    return (n, d, h, w * c), c


# The compiled loops index with 64-bit integers (``ih = oh*SH + kh*DH - PT`` and the like).
# Sizes, strides, dilations, pads and factors of at most 2**31 - 1 keep every such sum far
# from overflow; anything larger could not be allocated anyway, or would not even fit a C
# integer (an ``OverflowError`` when the kernel is called).
INDEX_LIMIT = 2**31 - 1
__all__ += ["INDEX_LIMIT", "check_index_range"]


def check_index_range(name, **arguments):
    """Raise a ``ValueError`` naming ``name`` (the op or layer) for a value above 2**31 - 1.

    Each keyword is an argument's name and its value: an int, a tuple of ints, or a tuple
    of ``(before, after)`` pairs (``None`` entries are skipped).

    >>> check_index_range("conv", strides=(1, 2**40))
    Traceback (most recent call last):
        ...
    ValueError: conv: `strides` must hold values of at most 2**31 - 1; received (1, 1099511627776).
    """
    for argument, value in arguments.items():
        if any(v > INDEX_LIMIT for v in _ints_in(value)):
            raise ValueError(
                f"{name}: `{argument}` must hold values of at most 2**31 - 1; received {value!r}."
            )


def _ints_in(value):
    """The numbers in an int, a tuple of ints or a tuple of pairs."""
    if isinstance(value, (tuple, list)):
        for item in value:
            yield from _ints_in(item)
    elif value is not None:
        yield value
