"""Core layers: Dense, Activation, Dropout, Flatten, Reshape, Permute, RepeatVector, Lambda,
ActivityRegularization, Masking and SpatialDropout1D/2D/3D, one per module."""
from minikeras.layers.core.activation import Activation
from minikeras.layers.core.activity_regularization import ActivityRegularization
from minikeras.layers.core.dense import Dense
from minikeras.layers.core.dropout import Dropout
from minikeras.layers.core.flatten import Flatten
from minikeras.layers.core.lambda_layer import Lambda
from minikeras.layers.core.masking import Masking
from minikeras.layers.core.permute import Permute
from minikeras.layers.core.repeat_vector import RepeatVector
from minikeras.layers.core.reshape import Reshape
from minikeras.layers.core.spatial_dropout import SpatialDropout1D, SpatialDropout2D, SpatialDropout3D

__all__ = [
    "Activation", "ActivityRegularization", "Dense", "Dropout", "Flatten", "Lambda", "Masking",
    "Permute", "RepeatVector", "Reshape", "SpatialDropout1D", "SpatialDropout2D",
    "SpatialDropout3D",
]
