"""Convolution layers, and the padding, cropping and upsampling layers that go with them."""
from minikeras.layers.convolutional.conv1d import Conv1D, Convolution1D
from minikeras.layers.convolutional.conv2d import Conv2D, Convolution2D
from minikeras.layers.convolutional.conv2d_transpose import (
    Conv2DTranspose, Convolution2DTranspose, Deconv2D, Deconvolution2D,
)
from minikeras.layers.convolutional.conv3d import Conv3D, Convolution3D
from minikeras.layers.convolutional.conv3d_transpose import (
    Conv3DTranspose, Deconv3D, Deconvolution3D,
)
from minikeras.layers.convolutional.cropping import Cropping1D, Cropping2D, Cropping3D
from minikeras.layers.convolutional.depthwise_conv2d import DepthwiseConv2D
from minikeras.layers.convolutional.separable_conv1d import SeparableConv1D, SeparableConvolution1D
from minikeras.layers.convolutional.separable_conv2d import SeparableConv2D, SeparableConvolution2D
from minikeras.layers.convolutional.upsampling import UpSampling1D, UpSampling2D, UpSampling3D
from minikeras.layers.convolutional.zero_padding import ZeroPadding1D, ZeroPadding2D, ZeroPadding3D

__all__ = [
    "Conv1D", "Conv2D", "Conv3D", "SeparableConv1D", "SeparableConv2D", "DepthwiseConv2D",
    "Conv2DTranspose", "Conv3DTranspose",
    "Cropping1D", "Cropping2D", "Cropping3D", "UpSampling1D", "UpSampling2D", "UpSampling3D",
    "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D",
    # Keras 2 aliases
    "Convolution1D", "Convolution2D", "Convolution3D", "SeparableConvolution1D",
    "SeparableConvolution2D", "Convolution2DTranspose", "Deconvolution2D", "Deconv2D",
    "Deconvolution3D", "Deconv3D",
]

# Keras 2 also exported the pooling layers here (``from keras.layers.convolutional import
# MaxPooling2D`` is in many scripts). Pooling builds on this package, so the names are looked up
# when asked for rather than imported at the top, which would be an import cycle.
_POOLING_NAMES = frozenset([
    "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D",
    "AveragePooling3D", "MaxPool1D", "MaxPool2D", "MaxPool3D", "AvgPool1D", "AvgPool2D",
    "AvgPool3D",
])


def __getattr__(name):
    if name in _POOLING_NAMES:
        from minikeras.layers import pooling
        return getattr(pooling, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
