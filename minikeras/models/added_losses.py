"""Losses and metrics added to a model as tensors: ``model.add_loss`` and ``model.add_metric``.

A variational autoencoder's loss is not a function of ``(y_true, y_pred)``: it is built from
the model's own tensors with ``K`` math, then handed to the model::

    kl = -0.5 * K.sum(1 + z_log_var - K.square(z_mean) - K.exp(z_log_var), axis=-1)
    vae.add_loss(K.mean(reconstruction + kl))
    vae.add_metric(K.mean(kl), name="kl")
    vae.compile(optimizer="adam")            # no loss: the added one is the whole loss
    vae.fit(x_train, epochs=1)               # no targets; logs loss and kl

A symbolic loss or metric tensor (built from ``Input(...)`` and layer outputs) becomes part of
the model's graph: the nodes it needs (``OpLayer``s, see ``layers/op_layer.py``) are run with
the others every time the model runs, and ``Model.call`` puts its value among the model's
``losses`` (or its metric values). A non-scalar tensor is averaged to a scalar. A callable
(``model.add_loss(lambda: 1e-3 * K.sum(K.square(dense.kernel)))``) is called at every step
instead. Inside a layer's ``call``, ``self.add_loss(tensor)`` adds a concrete penalty for
that call only (``Layer.add_loss``); the model collects it from the layer.

In the logs, the added losses are part of ``loss`` (with the compiled losses and the
regularization penalties, as in Keras 2), and each added metric is logged under its name
(``val_<name>`` on validation data), after the compiled metrics.
"""
import numpy as np

from minikeras import ops
from minikeras.layers.base_layer import Layer
from minikeras.tensor import Tensor, as_tensor

__all__ = ["AddedLosses", "LossAdder"]


class AddedLosses:
    """What ``add_loss`` / ``add_metric`` gave one model, and their values in the last run."""

    def __init__(self):
        self.loss_tensors = []     # symbolic scalars (or tensors to average)
        self.loss_callables = []   # functions of no argument, called at every step
        self.metrics = []          # (name, symbolic tensor)
        self.metric_values = []    # the metric values of the last run, as Tensors

    @property
    def tensors(self):
        """The symbolic tensors the graph must compute besides the outputs."""
        return self.loss_tensors + [tensor for _, tensor in self.metrics]

    def add_metric(self, tensor, name, aggregation, model_name, taken_names):
        if aggregation != "mean":
            raise NotImplementedError(
                f"Model {model_name!r}: add_metric supports aggregation='mean' (the tensor's "
                f"mean on each batch, averaged over the epoch); received aggregation={aggregation!r}."
            )
        if not getattr(tensor, "_is_symbolic", False):
            raise TypeError(
                f"Model {model_name!r}: add_metric expects a symbolic tensor computed from the "
                f"model's inputs (e.g. K.mean(some_layer_output)), received {type(tensor).__name__}."
            )
        if not isinstance(name, str) or not name:
            raise ValueError(f"Model {model_name!r}: add_metric needs a name (a non-empty string), received {name!r}.")
        if name in taken_names or name in [n for n, _ in self.metrics]:
            raise ValueError(
                f"Model {model_name!r}: a metric named {name!r} is already logged; give add_metric another name."
            )
        self.metrics.append((name, tensor))

    def record(self, values):
        """After a run: the values of the added loss and metric tensors.

        Args:
            values: ``{id(symbolic tensor): Tensor}``, what the graph computed.

        Returns:
            The added losses of this run, as scalar Tensors.
        """
        self.metric_values = [_scalar(values[id(tensor)]) for _, tensor in self.metrics]
        return [_scalar(values[id(tensor)]) for tensor in self.loss_tensors]

    def callable_losses(self, model_name):
        losses = []
        for function in self.loss_callables:
            value = function()
            if value is None:
                continue
            if getattr(value, "_is_symbolic", False):
                raise TypeError(
                    f"Model {model_name!r}: a loss function given to add_loss returned a symbolic "
                    "tensor; give the tensor itself to add_loss instead of a function."
                )
            losses.append(_scalar(as_tensor(value)))
        return losses

    def metric_results(self):
        return [float(np.asarray(value.numpy())) for value in self.metric_values]


def _scalar(value):
    value = as_tensor(value) if not isinstance(value, Tensor) else value
    return value if value.ndim == 0 else ops.mean(value)


class LossAdder:
    """``add_loss`` and ``add_metric``, mixed into ``Model`` (which holds ``self._added``)."""

    def add_loss(self, losses, inputs=None):
        """Add a loss to the model: a symbolic tensor, a function of no argument, or a list.

        A symbolic tensor (built with ``K`` math from the model's ``Input``s and layer
        outputs) joins the graph and is computed at every run; a function is called at
        every training step; a concrete Tensor counts for the current call only (inside a
        subclassed model's ``call``). Non-scalar values are averaged. The added losses are
        part of the logged ``loss``; ``compile`` then needs no ``loss`` (see
        ``added_losses.py``). ``inputs`` is accepted for Keras 2 compatibility.

        Raises:
            ValueError: if a symbolic loss cannot be computed from the model's inputs.
        """
        for loss in losses if isinstance(losses, (list, tuple)) else [losses]:
            if getattr(loss, "_is_symbolic", False):
                self._added.loss_tensors.append(loss)
                self._extend_graph(lambda: self._added.loss_tensors.remove(loss))
            elif callable(loss):
                self._added.loss_callables.append(loss)
            else:
                Layer.add_loss(self, loss)

    def add_metric(self, value, name=None, aggregation="mean"):
        """Log the mean of a symbolic tensor as a metric named ``name`` (and ``val_<name>``).

        Args:
            value: a symbolic tensor computed from the model's inputs.
            name: the name in the logs and ``History``.
            aggregation: ``'mean'``: the batch mean of ``value``, averaged over the epoch.

        Raises:
            TypeError: for a value that is not symbolic. ValueError: for a missing or taken
                name, or a tensor the model's inputs cannot compute.
            NotImplementedError: for another ``aggregation``.
        """
        taken = self.metrics_names if self.outputs else []
        self._added.add_metric(value, name, aggregation, self.name, taken)
        self._extend_graph(lambda: self._added.metrics.pop())

    def _extend_graph(self, undo):
        """Rebuild the graph so that it also computes the added tensors (undo if it cannot)."""
        if not self.outputs:
            undo()
            raise ValueError(
                f"Model {self.name!r}: add a symbolic loss or metric once the model is built "
                "(it must be computed from the model's inputs)."
            )
        inputs = self.inputs[0] if self._single_input else list(self.inputs)
        outputs = self.outputs[0] if self._single_output else list(self.outputs)
        try:
            self._init_graph(inputs, outputs)
        except ValueError:
            undo()
            self._init_graph(inputs, outputs)
            raise
