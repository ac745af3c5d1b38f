"""BatchNormalization: normalise each channel with the batch's statistics, learn a scale and shift."""
import numpy as np

from minikeras import constraints, initializers, ops, regularizers
from minikeras.layers.base_layer import InputSpec, Layer, layer_label, naming_errors
from minikeras.ops.normalization import batch_norm_training
from minikeras.tensor import Tensor

__all__ = ["BatchNormalization"]


class BatchNormalization(Layer):
    """Batch normalization layer (Ioffe and Szegedy, 2015), as Keras 2.2.4 defines it.

    Each channel (each index along ``axis``) is normalised over all the other axes::

        training (fit):     y = gamma * (x - mean_batch) / sqrt(var_batch + epsilon) + beta
        inference:          y = gamma * (x - moving_mean) / sqrt(moving_variance + epsilon) + beta

    ``var_batch`` is the biased variance (divided by ``n``, the number of values per
    channel). Each training call (``training=True``, which ``fit`` and
    ``train_on_batch`` pass) also updates the moving statistics::

        moving_mean     = momentum * moving_mean     + (1 - momentum) * mean_batch
        moving_variance = momentum * moving_variance + (1 - momentum) * var_batch * n / (n - 1 - epsilon)

    The variance going into the moving average is made (nearly) unbiased with Keras 2.2.4's
    factor ``n / (n - (1 + epsilon))``. ``evaluate``, ``predict`` and a plain call use the
    moving statistics and change nothing.

    Two choices, where Keras versions differ:

    * ``trainable=False`` (a frozen layer): Keras 2.2.4's rule. Under ``training=True``
      the layer still normalises with the batch's statistics, but its moving statistics
      are not updated (Keras 2.2.4 drops the updates of non-trainable layers) and gamma and
      beta are not trained. tf.keras >= 2.0 and Keras 3 instead run a frozen layer in
      inference mode; API.md says Keras 2 wins.
    * The moving average is the plain one above (Keras 2.2.4 with the Theano and CNTK
      backends, tf.keras, Keras 3). Keras 2.2.4's TensorFlow backend used TensorFlow's
      ``zero_debias=True`` average, which ignores the initial moving values (after one step
      the moving mean equals the batch mean; keras-team/keras#13214, reported as a bug).

    Args:
        axis: int, the channel axis (default -1; use 1 after ``Conv2D`` with
            ``data_format="channels_first"``).
        momentum: float, the momentum of the moving averages (default 0.99).
        epsilon: float > 0, added to the variance (default 1e-3).
        center: whether to add the learned offset ``beta``.
        scale: whether to multiply by the learned ``gamma`` (can be off when the next
            layer is linear, e.g. ``relu``, since it can do the scaling).
        beta_initializer, gamma_initializer: default ``"zeros"`` and ``"ones"``.
        moving_mean_initializer, moving_variance_initializer: default ``"zeros"`` and ``"ones"``.
        beta_regularizer, gamma_regularizer: regularizers, or None.
        beta_constraint, gamma_constraint: constraints, or None.
        **kwargs: base layer arguments.

    Weights (Keras order): ``gamma`` (if ``scale``), ``beta`` (if ``center``), then the
    non-trainable ``moving_mean`` and ``moving_variance``, all of shape ``(channels,)``.

    Input shape:
        Any rank >= 2, with a known size along ``axis``. Output shape: the same.

    Raises:
        ValueError: for an ``axis`` outside the input's rank or of unknown size, a
            non-positive ``epsilon``, a ``momentum`` that is not a number, or an input
            with another channel count than at build time.

    Example:
        >>> import numpy as np
        >>> layer = BatchNormalization()
        >>> x = np.random.default_rng(0).normal(5.0, 2.0, size=(64, 3))
        >>> y = layer(x, training=True).numpy()
        >>> bool(np.allclose(y.mean(axis=0), 0, atol=1e-5)), [w.shape for w in layer.weights]
        (True, [(3,), (3,), (3,), (3,)])
        >>> np.round(layer.get_weights()[2], 2)   # moving_mean moved 1 % toward the batch mean
        array([0.05, 0.05, 0.05], dtype=float32)
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            raise NotImplementedError(
                f"BatchNormalization {self.name!r}: a list of axes (axis={axis!r}) is not supported; "
                "Keras 2 takes one int."
            )
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise ValueError(f"BatchNormalization {self.name!r}: `axis` must be an int, received axis={axis!r}.")
        for argument, value in (("momentum", momentum), ("epsilon", epsilon)):
            if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
                    or not np.isfinite(value):
                raise ValueError(
                    f"BatchNormalization {self.name!r}: `{argument}` must be a number, "
                    f"received {argument}={value!r}."
                )
        if epsilon <= 0:
            raise ValueError(
                f"BatchNormalization {self.name!r}: `epsilon` must be > 0, received epsilon={epsilon!r}."
            )
        self.axis = int(axis)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        with naming_errors(self):
            self.beta_initializer = initializers.get(beta_initializer)
            self.gamma_initializer = initializers.get(gamma_initializer)
            self.moving_mean_initializer = initializers.get(moving_mean_initializer)
            self.moving_variance_initializer = initializers.get(moving_variance_initializer)
            self.beta_regularizer = regularizers.get(beta_regularizer)
            self.gamma_regularizer = regularizers.get(gamma_regularizer)
            self.beta_constraint = constraints.get(beta_constraint)
            self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        self.input_spec = InputSpec(min_ndim=2)
        self.gamma = self.beta = self.moving_mean = self.moving_variance = None

    def _channel_axis(self, input_shape):
        input_shape = tuple(input_shape)
        rank = len(input_shape)
        if not -rank <= self.axis < rank:
            raise ValueError(
                f"{layer_label(self)}: axis={self.axis} is out of range for an input of rank {rank} "
                f"(shape {input_shape})."
            )
        axis = self.axis % rank
        if axis == 0:
            raise ValueError(
                f"{layer_label(self)}: axis 0 is the batch axis; expected a channel axis "
                f"(e.g. -1, or 1 for channels_first), received input shape {input_shape}."
            )
        if input_shape[axis] is None:
            raise ValueError(
                f"{layer_label(self)}: axis {self.axis} of the input should have a defined size, "
                f"but the layer received an input with shape {input_shape}."
            )
        return axis

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        axis = self._channel_axis(input_shape)
        shape = (input_shape[axis],)
        if self.scale:
            self.gamma = self.add_weight("gamma", shape, initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer, constraint=self.gamma_constraint)
        if self.center:
            self.beta = self.add_weight("beta", shape, initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer, constraint=self.beta_constraint)
        self.moving_mean = self.add_weight("moving_mean", shape, initializer=self.moving_mean_initializer,
                                           trainable=False)
        self.moving_variance = self.add_weight("moving_variance", shape,
                                               initializer=self.moving_variance_initializer, trainable=False)
        self.input_spec = InputSpec(ndim=len(input_shape), axes={axis: input_shape[axis]})
        self.built = True

    def _scale_and_offset(self, channels, dtype):
        gamma = self.gamma if self.scale else Tensor(np.ones(channels, dtype=dtype))
        beta = self.beta if self.center else Tensor(np.zeros(channels, dtype=dtype))
        return gamma, beta

    def call(self, inputs, training=None):
        axis = self._channel_axis(inputs.shape)
        channels = inputs.shape[axis]
        gamma, beta = self._scale_and_offset(channels, inputs.dtype)
        if not training:
            return self._normalize_inference(inputs, axis, gamma, beta)
        outputs, mean, variance = batch_norm_training(inputs, gamma, beta, axis=axis, epsilon=self.epsilon)
        if self.trainable:  # Keras 2.2.4 drops the updates of a frozen layer
            n = inputs.size // channels
            unbiased = variance * (n / (n - (1.0 + self.epsilon)))
            for variable, value in ((self.moving_mean, mean), (self.moving_variance, unbiased)):
                old = variable.numpy()
                variable.assign((old * self.momentum + value * (1.0 - self.momentum)).astype(old.dtype))
        return outputs

    def _normalize_inference(self, inputs, axis, gamma, beta):
        """``(x - moving_mean) * gamma / sqrt(moving_variance + epsilon) + beta``, all on the
        tape (the moving statistics are never trained, but the rule is differentiable in them
        as in Keras)."""
        broadcast = [1] * inputs.ndim
        broadcast[axis] = inputs.shape[axis]

        def column(v):
            return ops.reshape(ops.cast(v, inputs.dtype) if v.dtype != inputs.dtype else v, broadcast)

        scale = column(gamma) / ops.sqrt(column(self.moving_variance) + self.epsilon)
        return (inputs - column(self.moving_mean)) * scale + column(beta)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = {
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        }
        return {**super().get_config(), **config}
