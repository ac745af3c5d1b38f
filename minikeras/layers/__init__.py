"""The layers: ``from minikeras import layers`` then ``layers.Dense(...)``, as in Keras.

One layer per module, grouped as in the Keras 2 reference: ``core/`` (Dense, Dropout,
Lambda, ...), ``convolutional/`` (convolutions, padding, cropping, upsampling) and
``pooling/``. Every layer derives from ``Layer`` in ``base_layer.py``.
"""
from minikeras.layers.base_layer import InputSpec, Layer
from minikeras.layers.op_layer import OpLayer  # also lets K math on symbolic tensors build nodes
from minikeras.layers.core.input_layer import Input, InputLayer
from minikeras.layers.core import (
    Activation, ActivityRegularization, Dense, Dropout, Flatten, Lambda, Masking, Permute,
    RepeatVector, Reshape, SpatialDropout1D, SpatialDropout2D, SpatialDropout3D,
)
from minikeras.layers.convolutional import (
    Conv1D, Conv2D, Conv3D, SeparableConv1D, SeparableConv2D, DepthwiseConv2D, Conv2DTranspose,
    Conv3DTranspose, Cropping1D, Cropping2D, Cropping3D, UpSampling1D, UpSampling2D,
    UpSampling3D, ZeroPadding1D, ZeroPadding2D, ZeroPadding3D, Convolution1D, Convolution2D,
    Convolution3D, SeparableConvolution1D, SeparableConvolution2D, Convolution2DTranspose,
    Deconvolution2D, Deconv2D, Deconvolution3D, Deconv3D,
)
from minikeras.layers.pooling import (
    MaxPooling1D, MaxPooling2D, MaxPooling3D, AveragePooling1D, AveragePooling2D,
    AveragePooling3D, GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D,
    GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D, MaxPool1D,
    MaxPool2D, MaxPool3D, AvgPool1D, AvgPool2D, AvgPool3D, GlobalMaxPool1D, GlobalMaxPool2D,
    GlobalMaxPool3D, GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D,
)
from minikeras.layers.recurrent import (
    GRU, GRUCell, LSTM, LSTMCell, RNN, SimpleRNN, SimpleRNNCell, StackedRNNCells,
)
from minikeras.layers.wrappers import Bidirectional, TimeDistributed
from minikeras.layers.core.embedding import Embedding
from minikeras.layers.normalization import BatchNormalization
from minikeras.layers.merge import (
    Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add, average,
    concatenate, dot, maximum, minimum, multiply, subtract,
)
from minikeras.layers.activations import ELU, LeakyReLU, PReLU, ReLU, Softmax, ThresholdedReLU
from minikeras.layers.noise import AlphaDropout, GaussianDropout, GaussianNoise
from minikeras.layers.locally_connected import LocallyConnected1D, LocallyConnected2D

__all__ = [
    "Layer", "InputSpec", "Input", "InputLayer", "Activation", "ActivityRegularization",
    "Dense", "Dropout", "Flatten", "Lambda", "Masking", "Permute", "RepeatVector", "Reshape",
    "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "Conv1D", "Conv2D", "Conv3D",
    "SeparableConv1D", "SeparableConv2D", "DepthwiseConv2D", "Conv2DTranspose",
    "Conv3DTranspose", "Cropping1D", "Cropping2D", "Cropping3D", "UpSampling1D", "UpSampling2D",
    "UpSampling3D", "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "Convolution1D",
    "Convolution2D", "Convolution3D", "SeparableConvolution1D", "SeparableConvolution2D",
    "Convolution2DTranspose", "Deconvolution2D", "Deconv2D", "Deconvolution3D", "Deconv3D",
    "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D",
    "AveragePooling3D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
    "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D", "MaxPool1D",
    "MaxPool2D", "MaxPool3D", "AvgPool1D", "AvgPool2D", "AvgPool3D", "GlobalMaxPool1D",
    "GlobalMaxPool2D", "GlobalMaxPool3D", "GlobalAvgPool1D", "GlobalAvgPool2D",
    "GlobalAvgPool3D",
    # recurrent
    "RNN", "StackedRNNCells", "SimpleRNN", "SimpleRNNCell", "GRU", "GRUCell", "LSTM", "LSTMCell",
    # wrappers
    "TimeDistributed", "Bidirectional",
    "Embedding", "BatchNormalization", "Add", "Subtract", "Multiply", "Average", "Maximum",
    "Minimum", "Concatenate", "Dot", "add", "subtract", "multiply", "average", "maximum",
    "minimum", "concatenate", "dot", "LeakyReLU", "PReLU", "ELU", "ThresholdedReLU", "Softmax",
    "ReLU", "GaussianNoise", "GaussianDropout", "AlphaDropout", "LocallyConnected1D",
    "LocallyConnected2D",
]
