"""``TensorBoard``: write the logs, the weights and the model's graph where TensorBoard reads them.

Event files are written with the ``tensorboard`` package alone (no TensorFlow), an optional
extra: ``pip install "minikeras[tensorboard]"``. Then ``tensorboard --logdir <log_dir>``.
What is written, with Keras 3's tags (``<log_dir>/train`` and ``<log_dir>/validation``):

* every epoch: ``epoch_loss``, ``epoch_accuracy``, ... one point per epoch (step = the epoch
  index), the ``val_`` values in ``validation`` without their prefix; ``epoch_learning_rate``
  (the optimizer's) in ``train``;
* after each validation (and each ``evaluate``): ``evaluation_loss_vs_iterations``, ... in
  ``validation``, at the step of the optimizer's iteration count;
* ``update_freq='batch'`` or ``N``: ``batch_loss``, ``batch_accuracy``, ... in ``train`` every
  ``N`` training batches, the step counting the batches from 1 across epochs. (Keras 3 means
  to do this; its ``record_if`` condition is computed once at the start of training, so in
  fact it writes every batch whatever ``N`` is. minikeras writes every ``N``-th batch, as its
  documentation says.)
* ``histogram_freq=N``: every ``N`` epochs a histogram of each weight, tag
  ``<layer>/<weight>/histogram`` (Keras 3 tags ``<weight>/histogram`` with the weight's short
  name, so that the kernels of two ``Dense`` layers share one tag; the layer's name keeps
  them apart); with ``write_images=True`` also ``<layer>/<weight>/image``: the weight drawn as
  a grey image (below), as Keras 3's ``_log_weight_as_image``.
* ``write_graph=True`` (the default): the model's configuration (``model.to_json()``) as the
  summary ``keras`` that TensorBoard's Graphs tab draws as the "conceptual graph" (Keras 3's
  ``keras_model_summary``), and a ``GraphDef`` with one node per layer (op: the layer's class)
  and an edge for each connection, for the Graphs tab's op graph (Keras 3 writes the traced
  TensorFlow function there, which minikeras does not have). As in Keras 3 only functional
  and ``Sequential`` models have a graph: for a subclassed model nothing is written. A
  ``Sequential`` without an input shape gets its graph after its first batch has built it.

A weight as an image (Keras 3): squeezed; a vector ``(n,)`` is an image ``n`` high and 1 wide;
a matrix is drawn with its longer side across (transposed if it has more rows than columns);
a 3-D weight ``(a, b, c)`` is ``c`` images of ``a x b``; a 4-D weight (a convolution kernel
``(h, w, in, out)`` with ``out`` in 1, 3, 4) is ``h`` images of ``w x in`` with ``out``
channels. At most 3 images are kept per tag, and the values are not rescaled: pixel =
``clip(value * 255.5, 0, 255)`` rounded down (``tf.summary.image`` on floats), so values
outside ``[0, 1]`` saturate.
"""
import os
import struct
import time
import zlib

import numpy as np

from minikeras.callbacks.base import Callback

__all__ = ["TensorBoard"]

_MAX_IMAGES = 3  # tf.summary.image's max_outputs


def _tensorboard_modules():
    import importlib

    try:
        proto = {name: importlib.import_module(f"tensorboard.compat.proto.{module}") for name, module in [
            ("event", "event_pb2"), ("graph", "graph_pb2"), ("summary", "summary_pb2"), ("tensor", "tensor_pb2"),
            ("shape", "tensor_shape_pb2")]}
        from tensorboard.summary.writer.event_file_writer import EventFileWriter
    except ImportError:
        raise ImportError(
            "The TensorBoard callback writes its files with the `tensorboard` package, which is not "
            "installed. Install it with: pip install \"minikeras[tensorboard]\" (or pip install tensorboard)."
        ) from None
    return {**proto, "writer": EventFileWriter}


def encode_png(pixels):
    """A PNG file (bytes) of ``pixels``: uint8, ``(height, width, channels)`` with 1, 3 or 4
    channels (grey, RGB, RGBA), each row stored unfiltered and the whole deflated."""
    height, width, channels = pixels.shape
    colour_type = {1: 0, 3: 2, 4: 6}[channels]

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + pixels[r].tobytes() for r in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


def weight_as_images(weight, data_format="channels_last"):
    """Keras 3's images of one weight (see the module docstring): uint8 ``(k, h, w, c)``, or
    None for a weight that cannot be drawn."""
    w = np.squeeze(np.asarray(weight, dtype=np.float64))
    if w.ndim == 1:
        w = w.reshape(1, w.shape[0], 1, 1)
    elif w.ndim == 2:
        if w.shape[0] > w.shape[1]:
            w = w.T
        w = w.reshape(1, w.shape[0], w.shape[1], 1)
    elif w.ndim == 3:
        if data_format == "channels_last":  # one image per kernel
            w = np.transpose(w, (2, 0, 1))
        w = w.reshape(w.shape[0], w.shape[1], w.shape[2], 1)
    if w.ndim != 4 or w.shape[-1] not in (1, 3, 4):
        return None
    return np.clip(w * 255.5, 0, 255).astype(np.uint8)


class TensorBoard(Callback):
    """Log the training for TensorBoard (see the module docstring for what is written where).

    Args:
        log_dir: the folder of the event files (``train`` and ``validation`` inside).
        histogram_freq: every how many epochs to write weight histograms (0: never).
        write_graph: write the model's graph (functional and ``Sequential`` models).
        write_images: with ``histogram_freq``, also write each weight as an image.
        write_steps_per_second: also log the training steps per second (``epoch_`` and,
            with ``update_freq``, ``batch_steps_per_second``).
        update_freq: ``'epoch'``, ``'batch'`` (every batch) or an integer ``N`` (every ``N``
            batches): how often the ``batch_`` values are written.
        profile_batch, embeddings_freq, embeddings_metadata: tf.keras' profiler and embedding
            projector, which need TensorFlow: only their off values (0, 0, None).

    Raises:
        ImportError: without the ``tensorboard`` package, saying how to install it.
        ValueError: for a negative ``histogram_freq`` or an ``update_freq`` that is neither
            ``'epoch'``, ``'batch'`` nor a positive integer.
        NotImplementedError: for ``profile_batch``, ``embeddings_freq`` or ``embeddings_metadata``.
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0, embeddings_freq=0,
                 embeddings_metadata=None):
        super().__init__()
        self._pb = _tensorboard_modules()
        unsupported = {name: value for name, value, off in [
            ("profile_batch", profile_batch, 0), ("embeddings_freq", embeddings_freq, 0),
            ("embeddings_metadata", embeddings_metadata, None)] if value != off}
        if unsupported:
            raise NotImplementedError(
                f"TensorBoard: {', '.join(f'{k}={v!r}' for k, v in unsupported.items())} is not supported: "
                "the profiler and the embedding projector need TensorFlow. Leave profile_batch=0, "
                "embeddings_freq=0 and embeddings_metadata=None.")
        if not isinstance(histogram_freq, (int, np.integer)) or isinstance(histogram_freq, bool) or histogram_freq < 0:
            raise ValueError(f"TensorBoard: histogram_freq must be an integer >= 0; received {histogram_freq!r}.")
        if update_freq == "batch":
            update_freq = 1
        if update_freq != "epoch" and (not isinstance(update_freq, (int, np.integer)) or isinstance(update_freq, bool)
                                       or update_freq < 1):
            raise ValueError(f"TensorBoard: update_freq must be 'epoch', 'batch' or a positive integer; received "
                             f"{update_freq!r}.")
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = int(histogram_freq)
        self.write_graph = bool(write_graph)
        self.write_images = bool(write_images)
        self.write_steps_per_second = bool(write_steps_per_second)
        self.update_freq = update_freq if update_freq == "epoch" else int(update_freq)
        self._writers = {}
        self._global_train_batch = 0
        self._graph_pending = False

    # --- writing ----------------------------------------------------------------------------
    def _writer(self, name):
        if name not in self._writers:
            path = os.path.join(self.log_dir, name)
            os.makedirs(path, exist_ok=True)
            self._writers[name] = self._pb["writer"](path)
        return self._writers[name]

    def _write(self, name, step, values):
        summary = self._pb["summary"].Summary(value=values)
        self._writer(name).add_event(self._pb["event"].Event(wall_time=time.time(), step=int(step), summary=summary))

    def _scalars(self, prefix, logs):
        Value = self._pb["summary"].Summary.Value
        return [Value(tag=f"{prefix}{key}", simple_value=float(np.asarray(value)))
                for key, value in logs.items() if np.size(value) == 1]

    def _histogram(self, tag, array):
        summary = self._pb["summary"]
        values = np.asarray(array, dtype=np.float64).ravel()
        counts, edges = np.histogram(values, bins=30)
        proto = summary.HistogramProto(min=float(values.min()), max=float(values.max()), num=float(values.size),
                                       sum=float(values.sum()), sum_squares=float(np.sum(values ** 2)),
                                       bucket_limit=[float(e) for e in edges[1:]], bucket=[float(c) for c in counts])
        return summary.Summary.Value(tag=tag, histo=proto)

    def _string_tensor(self, strings, vector=True):
        """A ``DT_STRING`` TensorProto: a vector of ``strings``, or (``vector=False``) one scalar."""
        from tensorboard.compat.proto import types_pb2

        shape = self._pb["shape"].TensorShapeProto
        dims = [shape.Dim(size=len(strings))] if vector else []
        return self._pb["tensor"].TensorProto(dtype=types_pb2.DT_STRING, string_val=list(strings),
                                              tensor_shape=shape(dim=dims))

    def _image(self, tag, images):
        """tf.summary.image's tensor: ``[width, height, png, png, ...]`` with the plugin 'images'."""
        summary = self._pb["summary"]
        kept = images[:_MAX_IMAGES]
        strings = [str(kept.shape[2]).encode(), str(kept.shape[1]).encode()] + [encode_png(img) for img in kept]
        metadata = summary.SummaryMetadata(plugin_data=summary.SummaryMetadata.PluginData(plugin_name="images"))
        return summary.Summary.Value(tag=tag, tensor=self._string_tensor(strings), metadata=metadata)

    # --- the graph --------------------------------------------------------------------------
    def _graph_state(self):
        """'written' can be written now, 'later' once built (a Sequential without an input
        shape, built by its first batch), 'never' (a subclassed model has no graph)."""
        if getattr(self.model, "_is_subclassed", True) or not hasattr(self.model, "_network_nodes"):
            return "never"
        return "now" if getattr(self.model, "outputs", None) else "later"

    def graph_def(self):
        """A ``GraphDef``: one node per layer (``<model>/<layer>``, op = the layer's class),
        its inputs the layers whose outputs it reads."""
        graph = self._pb["graph"]
        from tensorboard.compat.proto import attr_value_pb2, node_def_pb2

        model = self.model
        layers = list(getattr(model, "_input_layers", [])) + [l for l in model.layers
                                                               if l not in getattr(model, "_input_layers", [])]
        nodes = []
        for layer in layers:
            inputs = []
            for node in layer._inbound_nodes:
                if node in model._network_nodes:
                    inputs += [f"{model.name}/{inbound.name}" for inbound in node.inbound_layers
                               if f"{model.name}/{inbound.name}" not in inputs]
            nodes.append(node_def_pb2.NodeDef(
                name=f"{model.name}/{layer.name}", op=type(layer).__name__, input=inputs,
                attr={"keras_class": attr_value_pb2.AttrValue(s=type(layer).__name__.encode())}))
        return graph.GraphDef(node=nodes)

    def _write_graph_when_built(self):
        state = self._graph_state()
        if state == "now":
            self._write_graph()
        self._graph_pending = state == "later"

    def _write_graph(self):
        summary = self._pb["summary"]
        metadata = summary.SummaryMetadata(
            plugin_data=summary.SummaryMetadata.PluginData(plugin_name="graph_keras_model", content=b"1"))
        try:
            config = self.model.to_json().encode()
        except (NotImplementedError, TypeError, ValueError):  # a layer without get_config: no conceptual graph
            config = None
        if config is not None:
            tensor = self._string_tensor([config], vector=False)
            self._write("train", 0, [summary.Summary.Value(tag="keras", tensor=tensor, metadata=metadata)])
        event = self._pb["event"].Event(wall_time=time.time(), step=0,
                                        graph_def=self.graph_def().SerializeToString())
        self._writer("train").add_event(event)

    # --- the hooks --------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self._writers = {}
        self._global_train_batch = 0
        self._graph_pending = False
        if self.write_graph:
            self._write_graph_when_built()

    def on_train_batch_begin(self, batch, logs=None):
        self._global_train_batch += 1
        self._batch_start = time.time()

    def on_train_batch_end(self, batch, logs=None):
        if self._graph_pending:
            self._write_graph_when_built()
        if self.update_freq == "epoch" or self._global_train_batch % self.update_freq:
            return
        values = {k: v for k, v in (logs or {}).items() if k not in ("batch", "size")}
        if self.write_steps_per_second:
            values["steps_per_second"] = 1.0 / max(time.time() - self._batch_start, 1e-9)
        self._write("train", self._global_train_batch, self._scalars("batch_", values))

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = time.time()
        self._epoch_first_batch = self._global_train_batch

    def on_test_end(self, logs=None):
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is None or not hasattr(optimizer, "iterations") or not logs:
            return
        values = self._scalars("evaluation_", logs)
        for value in values:
            value.tag += "_vs_iterations"
        self._write("validation", int(np.asarray(optimizer.iterations)), values)
        self._writer("validation").flush()

    def _learning_rate(self):
        rate = getattr(getattr(self.model, "optimizer", None), "learning_rate", None)
        if rate is None:
            return None
        try:
            return float(np.asarray(rate.numpy() if hasattr(rate, "numpy") else rate))
        except (TypeError, ValueError):  # a schedule, not a number
            return None

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        validation = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        rate = self._learning_rate()
        if rate is not None:
            train["learning_rate"] = rate
        if self.write_steps_per_second:
            steps = self._global_train_batch - getattr(self, "_epoch_first_batch", 0)
            train["steps_per_second"] = steps / max(time.time() - getattr(self, "_epoch_start", time.time()), 1e-9)
        if train:
            self._write("train", epoch, self._scalars("epoch_", train))
        if validation:
            self._write("validation", epoch, self._scalars("epoch_", validation))
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        for writer in self._writers.values():
            writer.flush()

    def _log_weights(self, epoch):
        from minikeras import config

        values = []
        for layer in self.model.layers:
            for index, weight in enumerate(layer.weights):
                array = np.asarray(weight.numpy())
                if not array.size:
                    continue
                tag = f"{layer.name}/{weight.name or index}"
                values.append(self._histogram(f"{tag}/histogram", array))
                if self.write_images:
                    images = weight_as_images(array, config.image_data_format())
                    if images is not None:
                        values.append(self._image(f"{tag}/image", images))
        if values:
            self._write("train", epoch, values)

    def on_train_end(self, logs=None):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}
