"""``TensorBoard``: write the epoch logs (and weight histograms) where TensorBoard reads them.

Event files are written with the ``tensorboard`` package alone (no TensorFlow), an optional
extra: ``pip install "minikeras[tensorboard]"``. As tf.keras, the training values go to
``<log_dir>/train`` and the validation values to ``<log_dir>/validation``, as the scalars
``epoch_loss``, ``epoch_accuracy``, ... (the ``val_`` prefix dropped), one point per epoch; with
``histogram_freq=N`` every N epochs a histogram of each weight (``<layer>/<weight>``) goes
to ``train``. Then ``tensorboard --logdir <log_dir>``.
"""
import os
import time

import numpy as np

from minikeras.callbacks.base import Callback

__all__ = ["TensorBoard"]


def _tensorboard_modules():
    try:
        from tensorboard.compat.proto.event_pb2 import Event
        from tensorboard.compat.proto.summary_pb2 import HistogramProto, Summary
        from tensorboard.summary.writer.event_file_writer import EventFileWriter
    except ImportError:
        raise ImportError(
            "The TensorBoard callback writes its files with the `tensorboard` package, which is not "
            "installed. Install it with: pip install \"minikeras[tensorboard]\" (or pip install tensorboard)."
        ) from None
    return Event, Summary, HistogramProto, EventFileWriter


class TensorBoard(Callback):
    """Log the epoch values (and weight histograms) for TensorBoard.

    Args:
        log_dir: the folder of the event files.
        histogram_freq: every how many epochs to write weight histograms (0: never).
        write_graph: accepted; minikeras writes no graph (there is no TensorFlow graph).
        update_freq: ``'epoch'`` (per-batch logging is not supported).
        write_images, write_steps_per_second, profile_batch, embeddings_freq,
            embeddings_metadata: tf.keras options; only their off values are supported.

    Raises:
        ImportError: without the ``tensorboard`` package, saying how to install it.
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0, embeddings_freq=0,
                 embeddings_metadata=None):
        super().__init__()
        self._modules = _tensorboard_modules()
        unsupported = {name: value for name, value, off in [
            ("write_images", write_images, False), ("write_steps_per_second", write_steps_per_second, False),
            ("update_freq", update_freq, "epoch"), ("profile_batch", profile_batch, 0),
            ("embeddings_freq", embeddings_freq, 0), ("embeddings_metadata", embeddings_metadata, None)]
            if value != off}
        if unsupported:
            raise NotImplementedError(f"TensorBoard: {unsupported} not supported (only scalars per epoch and "
                                      "weight histograms are written).")
        if not isinstance(histogram_freq, (int, np.integer)) or histogram_freq < 0:
            raise ValueError(f"TensorBoard: histogram_freq must be an integer >= 0; received {histogram_freq!r}.")
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = int(histogram_freq)
        self.write_graph = write_graph
        self._writers = {}

    def _writer(self, name):
        if name not in self._writers:
            EventFileWriter = self._modules[3]
            path = os.path.join(self.log_dir, name)
            os.makedirs(path, exist_ok=True)
            self._writers[name] = EventFileWriter(path)
        return self._writers[name]

    def _write(self, name, step, values):
        Event, Summary = self._modules[0], self._modules[1]
        summary = Summary(value=values)
        self._writer(name).add_event(Event(wall_time=time.time(), step=int(step), summary=summary))

    def _histogram(self, tag, array):
        HistogramProto, Summary = self._modules[2], self._modules[1]
        values = np.asarray(array, dtype=np.float64).ravel()
        counts, edges = np.histogram(values, bins=30)
        proto = HistogramProto(min=float(values.min()), max=float(values.max()), num=float(values.size),
                               sum=float(values.sum()), sum_squares=float(np.sum(values ** 2)),
                               bucket_limit=[float(e) for e in edges[1:]], bucket=[float(c) for c in counts])
        return Summary.Value(tag=tag, histo=proto)

    def on_train_begin(self, logs=None):
        self._writers = {}

    def on_epoch_end(self, epoch, logs=None):
        Summary = self._modules[1]
        train, validation = [], []
        for key, value in (logs or {}).items():
            if np.size(value) != 1:
                continue
            if key.startswith("val_"):
                validation.append(Summary.Value(tag=f"epoch_{key[4:]}", simple_value=float(value)))
            else:
                train.append(Summary.Value(tag=f"epoch_{key}", simple_value=float(value)))
        if train:
            self._write("train", epoch, train)
        if validation:
            self._write("validation", epoch, validation)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            histograms = [self._histogram(f"{layer.name}/{weight.name or index}", weight.numpy())
                          for layer in self.model.layers for index, weight in enumerate(layer.weights)
                          if weight.size]
            if histograms:
                self._write("train", epoch, histograms)
        for writer in self._writers.values():
            writer.flush()

    def on_train_end(self, logs=None):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}
