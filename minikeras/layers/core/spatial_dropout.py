"""SpatialDropout1D/2D/3D: dropout of whole feature maps (channels) rather than elements.

In early convolution layers neighbouring pixels are strongly correlated, so dropping
single elements barely regularizes; dropping a whole channel does (Tompson et al., 2015,
"Efficient Object Localization Using Convolutional Networks"). The three layers are
Dropout with a mask of shape ``(batch, 1, ..., 1, channels)`` (or ``(batch, channels, 1,
..., 1)`` with ``channels_first``), shared by every position of a sample's channel.
"""
from minikeras.layers.base_layer import InputSpec
from minikeras.layers.core.dropout import Dropout
from minikeras.utils import conv_utils

__all__ = ["SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D"]


class _SpatialDropout(Dropout):
    """Dropout whose mask covers every spatial position of a channel."""

    rank = None  # the number of spatial axes

    def __init__(self, rate, data_format=None, **kwargs):
        noise_shape = kwargs.pop("noise_shape", None)  # in configs written by Keras 2: None
        super().__init__(rate, **kwargs)
        if noise_shape is not None:
            raise ValueError(
                f"{type(self).__name__} {self.name!r}: `noise_shape` is set by the layer (one "
                f"value per sample and channel), received {noise_shape!r}."
            )
        try:
            self.data_format = conv_utils.normalize_data_format(data_format)
        except ValueError as error:
            raise ValueError(f"{type(self).__name__} {self.name!r}: {error}") from None
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _noise_shape(self, inputs):
        batch, ones = inputs.shape[0], (1,) * self.rank
        if self.data_format == "channels_first":
            return (batch, inputs.shape[1]) + ones
        return (batch,) + ones + (inputs.shape[-1],)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class SpatialDropout1D(_SpatialDropout):
    """Drops whole channels of a ``(batch, steps, channels)`` input while training.

    Args:
        rate: float in ``[0, 1)``, the fraction of the channels to drop.
        seed: optional int for reproducible masks.
        **kwargs: base layer arguments.

    Input shape:
        ``(batch, steps, channels)``. Output shape: the same.

    Raises:
        ValueError: for a rate outside ``[0, 1)`` or an input of rank other than 3.

    Example:
        >>> import numpy as np
        >>> y = SpatialDropout1D(0.5, seed=1)(np.ones((1, 4, 3)), training=True).numpy()
        >>> bool((y == y[:, :1, :]).all())  # every step of a channel kept or dropped alike
        True
    """

    rank = 1

    def __init__(self, rate, **kwargs):
        if "data_format" in kwargs:  # Keras 2's SpatialDropout1D is always channels last
            raise TypeError("Keyword argument(s) not understood by SpatialDropout1D: ['data_format']")
        super().__init__(rate, data_format="channels_last", **kwargs)

    def get_config(self):
        config = super().get_config()
        config.pop("data_format")
        return config


class SpatialDropout2D(_SpatialDropout):
    """Drops whole channels of an image batch while training.

    Args:
        rate: float in ``[0, 1)``, the fraction of the channels to drop.
        data_format: ``"channels_last"`` (``(batch, rows, cols, channels)``) or
            ``"channels_first"`` (``(batch, channels, rows, cols)``); default
            ``K.image_data_format()``.
        seed: optional int for reproducible masks.
        **kwargs: base layer arguments.

    Input shape:
        4-D, as set by ``data_format``. Output shape: the same.

    Raises:
        ValueError: for a rate outside ``[0, 1)``, an unknown ``data_format`` or an input
            of rank other than 4.

    Example:
        >>> import numpy as np
        >>> SpatialDropout2D(0.2)(np.ones((2, 5, 5, 3))).shape
        (2, 5, 5, 3)
    """

    rank = 2


class SpatialDropout3D(_SpatialDropout):
    """Drops whole channels of a volume batch while training.

    Args:
        rate: float in ``[0, 1)``, the fraction of the channels to drop.
        data_format: ``"channels_last"`` (``(batch, d1, d2, d3, channels)``) or
            ``"channels_first"`` (``(batch, channels, d1, d2, d3)``); default
            ``K.image_data_format()``.
        seed: optional int for reproducible masks.
        **kwargs: base layer arguments.

    Input shape:
        5-D, as set by ``data_format``. Output shape: the same.

    Raises:
        ValueError: for a rate outside ``[0, 1)``, an unknown ``data_format`` or an input
            of rank other than 5.

    Example:
        >>> import numpy as np
        >>> SpatialDropout3D(0.2, data_format="channels_first")(np.ones((1, 2, 3, 3, 3))).shape
        (1, 2, 3, 3, 3)
    """

    rank = 3
