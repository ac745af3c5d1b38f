"""Affine transformations of one image: rotation, shift, shear and zoom as one matrix.

Keras 2.2.4 builds one 3x3 matrix for the four and resamples the image once:

    T = R(theta) @ S(tx, ty) @ Sh(shear) @ Z(zx, zy)                (in this order)

    R = [[cos t, -sin t, 0],   S = [[1, 0, tx],   Sh = [[1, -sin s, 0],   Z = [[zx, 0, 0],
         [sin t,  cos t, 0],        [0, 1, ty],         [0,  cos s, 0],        [0, zy, 0],
         [0,      0,     1]]        [0, 0, 1]]          [0,  0,     1]]        [0, 0,  1]]

acting on (row, column) coordinates: ``tx`` moves along the rows (height), ``ty`` along the
columns (width), ``zx`` scales rows and ``zy`` columns. The matrix maps an *output* pixel to
the input position it reads, so the image moves the other way (``tx = 3`` shows the input
3 rows further down at each output row: the content moves up). It is applied about the
point ``(H/2 + 0.5, W/2 + 0.5)``: ``T' = O @ T @ O^-1`` with ``O`` the shift to that point.
That is Keras 2's choice (keras_preprocessing up to 1.1.2), one pixel below and right of
the true centre ``((H - 1)/2, (W - 1)/2)``; minikeras keeps it so that a seed gives Keras 2's
images.

The resampling is ``minikeras/_kernels/image.pyx`` (bilinear, as scipy.ndimage's
``affine_transform(order=1)`` that Keras calls, with the same fill modes), or its twin in
``reference.py`` under ``minikeras.kernels.use("reference")``.
"""
import numpy as np

from minikeras._kernels import compute_dtype, kernel

__all__ = [
    "FILL_MODES", "apply_affine_transform", "transform_matrix_offset_center", "flip_axis",
    "apply_channel_shift", "random_rotation", "random_shift", "random_shear", "random_zoom",
]

# Keras' fill_mode names are scipy.ndimage's mode names; the kernel takes these numbers.
FILL_MODES = {"constant": 0, "nearest": 1, "reflect": 2, "wrap": 3}


def transform_matrix_offset_center(matrix, x, y):
    """``matrix`` (3x3) made to act about Keras 2's centre of an ``x`` by ``y`` image (module docstring)."""
    o_x = float(x) / 2 + 0.5
    o_y = float(y) / 2 + 0.5
    offset = np.array([[1, 0, o_x], [0, 1, o_y], [0, 0, 1]])
    reset = np.array([[1, 0, -o_x], [0, 1, -o_y], [0, 0, 1]])
    return offset @ matrix @ reset


def _transform_matrix(theta, tx, ty, shear, zx, zy):
    """The 3x3 matrix of the module docstring, or None for the identity (nothing to do)."""
    matrix = None
    if theta != 0:
        t = np.deg2rad(theta)
        matrix = np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]])
    if tx != 0 or ty != 0:
        shift = np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]])
        matrix = shift if matrix is None else matrix @ shift
    if shear != 0:
        s = np.deg2rad(shear)
        shear_matrix = np.array([[1, -np.sin(s), 0], [0, np.cos(s), 0], [0, 0, 1]])
        matrix = shear_matrix if matrix is None else matrix @ shear_matrix
    if zx != 1 or zy != 1:
        zoom = np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]])
        matrix = zoom if matrix is None else matrix @ zoom
    return matrix


def apply_affine_transform(x, theta=0, tx=0, ty=0, shear=0, zx=1, zy=1, row_axis=0, col_axis=1,
                           channel_axis=2, fill_mode="nearest", cval=0.0, order=1):
    """Rotate, shift, shear and zoom one image (Keras 2.2.4's composition, see the module).

    Args:
        x: one image, 3-D (rows, columns and channels on the axes given below).
        theta: rotation in degrees. tx, ty: shifts in pixels along rows and columns.
        shear: shear angle in degrees. zx, zy: zoom factors of rows and columns (> 1 shows
            a larger area: the content shrinks).
        row_axis, col_axis, channel_axis: the axes of ``x`` (0, 1, 2 in some order).
        fill_mode: ``'constant'``, ``'nearest'``, ``'reflect'`` or ``'wrap'``: what positions
            outside the image read. cval: the value of ``'constant'``.
        order: the interpolation order; 1 (bilinear) is what Keras 2.2.4 uses.

    Returns:
        The transformed image, of ``x``'s shape, float (``x``'s dtype if it is float).

    Raises:
        ValueError: for an image that is not 3-D or empty, axes that are not 0, 1, 2, or an
            unknown fill mode. NotImplementedError: for ``order`` other than 1.

    Example:
        >>> image = np.arange(16.0).reshape(4, 4, 1)
        >>> apply_affine_transform(image, tx=1, fill_mode="constant", cval=-1)[..., 0]
        array([[ 4.,  5.,  6.,  7.],
               [ 8.,  9., 10., 11.],
               [12., 13., 14., 15.],
               [-1., -1., -1., -1.]])

        A quarter turn about Keras 2's centre (2.5, 2.5), not (1.5, 1.5): the turned image
        is off by a pixel in each direction, and two columns come from outside:

        >>> np.round(apply_affine_transform(image, theta=90, fill_mode="constant", cval=-1)[..., 0], 6)
        array([[-1., -1., 12.,  8.],
               [-1., -1., 13.,  9.],
               [-1., -1., 14., 10.],
               [-1., -1., 15., 11.]])
    """
    x = np.asarray(x)
    if order != 1:
        raise NotImplementedError(
            f"apply_affine_transform: order={order!r} is not supported; only order=1 (bilinear)."
        )
    if x.ndim != 3:
        raise ValueError(f"apply_affine_transform: expected one 3-D image; received shape {x.shape}.")
    if sorted((row_axis, col_axis, channel_axis)) != [0, 1, 2]:
        raise ValueError(
            "apply_affine_transform: row_axis, col_axis and channel_axis must be 0, 1 and 2 in some "
            f"order; received {(row_axis, col_axis, channel_axis)}."
        )
    if fill_mode not in FILL_MODES:
        raise ValueError(
            f"apply_affine_transform: fill_mode must be one of {sorted(FILL_MODES)}; received {fill_mode!r}."
        )
    matrix = _transform_matrix(theta, tx, ty, shear, zx, zy)
    if matrix is None:
        return x
    if 0 in x.shape:
        raise ValueError(f"apply_affine_transform: the image is empty (shape {x.shape}).")
    h, w = x.shape[row_axis], x.shape[col_axis]
    matrix = transform_matrix_offset_center(matrix, h, w)
    dtype = compute_dtype(x) if x.dtype.kind == "f" else np.dtype(np.float32)
    image = np.ascontiguousarray(np.transpose(x, (row_axis, col_axis, channel_axis)), dtype=dtype)
    out = np.empty_like(image)
    kernel("affine_transform_2d")(image[None], out[None], np.ascontiguousarray(matrix[None, :2, :]),
                                  FILL_MODES[fill_mode], float(cval))
    out = np.transpose(out, np.argsort((row_axis, col_axis, channel_axis)))
    return out.astype(x.dtype if x.dtype.kind == "f" else dtype, copy=False)


def flip_axis(x, axis):
    """``x`` reversed along ``axis`` (a horizontal flip is the column axis)."""
    return np.flip(np.asarray(x), axis)


def apply_channel_shift(x, intensity, channel_axis=0):
    """Add ``intensity`` to every channel, clipped to the image's own [min, max]."""
    x = np.asarray(x)
    low, high = np.min(x), np.max(x)
    return np.clip(x + intensity, low, high).astype(x.dtype, copy=False)


def random_rotation(x, rg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0):
    """Rotate one image by an angle drawn uniformly in ``[-rg, rg]`` degrees."""
    theta = np.random.uniform(-rg, rg)
    return apply_affine_transform(x, theta=theta, row_axis=row_axis, col_axis=col_axis,
                                  channel_axis=channel_axis, fill_mode=fill_mode, cval=cval)


def random_shift(x, wrg, hrg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0):
    """Shift one image by fractions of its size drawn in ``[-hrg, hrg]`` and ``[-wrg, wrg]``."""
    h, w = x.shape[row_axis], x.shape[col_axis]
    tx = np.random.uniform(-hrg, hrg) * h
    ty = np.random.uniform(-wrg, wrg) * w
    return apply_affine_transform(x, tx=tx, ty=ty, row_axis=row_axis, col_axis=col_axis,
                                  channel_axis=channel_axis, fill_mode=fill_mode, cval=cval)


def random_shear(x, intensity, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0):
    """Shear one image by an angle drawn in ``[-intensity, intensity]`` degrees."""
    shear = np.random.uniform(-intensity, intensity)
    return apply_affine_transform(x, shear=shear, row_axis=row_axis, col_axis=col_axis,
                                  channel_axis=channel_axis, fill_mode=fill_mode, cval=cval)


def random_zoom(x, zoom_range, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0):
    """Zoom one image by factors drawn in ``zoom_range = (low, high)`` (rows and columns apart)."""
    if len(zoom_range) != 2:
        raise ValueError(
            f"random_zoom: zoom_range should be a tuple or list of two floats; received {zoom_range!r}."
        )
    if zoom_range[0] == 1 and zoom_range[1] == 1:
        zx, zy = 1, 1
    else:
        zx, zy = np.random.uniform(zoom_range[0], zoom_range[1], 2)
    return apply_affine_transform(x, zx=zx, zy=zy, row_axis=row_axis, col_axis=col_axis,
                                  channel_axis=channel_axis, fill_mode=fill_mode, cval=cval)
