"""Where the time of a training step goes: ``minikeras.utils.profile(model, x, y)`` and
``model.fit(..., profile=True)`` (the first epoch).

A ``Profiler`` watches the model's real training steps (``train_on_batch``, ``fit``), so
what it measures is what training costs:

* **forward** time of each layer: the whole ``layer(x)``, timed by giving the layer a
  timed subclass of its class for the duration of the profile (a layer inside another
  layer counts in its parent);
* **backward** time of each layer: every operation recorded on the tape while the layer
  ran gets a timer around its backward rule, so the tape's reverse replay adds the time
  of each operation to the layer it came from; operations outside any layer (the loss,
  the regularization penalties) count as ``loss``;
* the **loss** forward, the **metrics** and the **optimizer** update, timed the same way;
* the **step**: the whole ``train_on_batch`` step, timed around it. What the rows do not
  cover (the bookkeeping in between) is printed as *unaccounted*; it is small. The garbage
  collector is paused during each timed step, so that its pauses do not land in a row.

FLOPs are counted for the layers whose work is multiply-adds (``Dense`` and the
convolutions; ``2 * multiply-adds`` forward, twice that backward for the input and weight
gradients) and compared with the machine's matrix-multiply rate: a float32 512x512 NumPy
matmul, measured once per process.

Example:
    >>> import numpy as np
    >>> from minikeras import layers, models, utils
    >>> model = models.Sequential([layers.Dense(8, activation="relu", input_shape=(4,)),
    ...                            layers.Dense(2)])
    >>> model.compile("sgd", "mse")
    >>> report = utils.profile(model, np.ones((16, 4)), np.ones((16, 2)), print_fn=None)
    >>> [row.kind for row in report.rows]
    ['layer', 'layer', 'loss', 'metrics', 'optimizer']
    >>> report.steps, report.rows[0].flops            # 2 * 16 samples * 4 inputs * 8 units
    (3, 1024)
"""
import functools
import gc
import time

import numpy as np

from minikeras import tape as tape_module

__all__ = ["Profiler", "ProfileReport", "profile", "matmul_gflops", "layer_flops"]

_MATMUL_GFLOPS = None


def matmul_gflops():
    """The machine's float32 matrix-multiply rate in GFLOP/s (measured once, then cached)."""
    global _MATMUL_GFLOPS
    if _MATMUL_GFLOPS is None:
        n = 512
        a = np.random.default_rng(0).standard_normal((n, n)).astype(np.float32)
        a @ a  # warm up the BLAS threads
        # The best of many short runs: on a busy machine most runs are interrupted.
        best, began = float("inf"), time.perf_counter()
        for _ in range(100):
            start = time.perf_counter()
            a @ a
            best = min(best, time.perf_counter() - start)
            if start - began > 0.3:
                break
        _MATMUL_GFLOPS = 2 * n**3 / best / 1e9
    return _MATMUL_GFLOPS


def layer_flops(layer, input_shape, output_shape):
    """Forward floating-point operations (2 per multiply-add) of one call, or None.

    Dense: ``2 * rows * in * units``; convolution: ``2 * N * out positions * k * C_in *
    C_out`` (per group of the depthwise and separable ones); transposed: the same counted
    over the input positions.
    """
    from minikeras.layers.convolutional.base_conv import (
        BaseConv, BaseConvTranspose, BaseDepthwiseConv, BaseSeparableConv,
    )
    from minikeras.layers.core.dense import Dense

    if isinstance(input_shape, list) or isinstance(output_shape, list):
        return None
    if isinstance(layer, Dense):
        return 2 * int(np.prod(input_shape[:-1])) * input_shape[-1] * layer.units
    if not isinstance(layer, BaseConv):
        return None
    first = 2 if layer.data_format == "channels_first" else 1
    c_in = input_shape[1] if layer.data_format == "channels_first" else input_shape[-1]
    out_positions = int(np.prod(output_shape[first:first + layer.rank]))
    taps = int(np.prod(layer.kernel_size))
    n = input_shape[0]
    if isinstance(layer, BaseConvTranspose):
        in_positions = int(np.prod(input_shape[first:first + layer.rank]))
        return 2 * n * in_positions * taps * c_in * layer.filters
    if isinstance(layer, BaseDepthwiseConv):
        depthwise = 2 * n * out_positions * taps * c_in * layer.depth_multiplier
        if isinstance(layer, BaseSeparableConv):
            return depthwise + 2 * n * out_positions * c_in * layer.depth_multiplier * layer.filters
        return depthwise
    return 2 * n * out_positions * taps * c_in * layer.filters


class Row:
    """One line of the report: a layer (or loss, metrics, optimizer) and its times."""

    def __init__(self, name, kind):
        self.name, self.kind = name, kind
        self.forward = self.backward = 0.0
        self.flops = None  # forward FLOPs of one step

    @property
    def total(self):
        return self.forward + self.backward


class Profiler:
    """Time the training steps of ``model`` while the ``with`` block is open."""

    def __init__(self, model):
        self.model = model
        self.steps = 0
        self.step_time = 0.0
        self.per_step = []    # (step time, time of the rows) of every step
        self._rows = {}
        self._stack = []      # the layers being called, outermost first
        self._restore = []
        self._in_step = False

    # --- instrumentation ---------------------------------------------------------------------
    def __enter__(self):
        model = self.model
        from minikeras.layers.core.input_layer import InputLayer

        for layer in model.layers:
            if isinstance(layer, InputLayer):  # never called when the model runs
                continue
            self._row(layer.name, "layer")
            self._time_layer(layer)
        self._row("loss", "loss")
        self._row("metrics", "metrics")
        self._row("optimizer", "optimizer")
        self._wrap(model, "_train_step", self._timed_step)
        self._wrap(model, "_losses_of", self._timed("loss"))
        self._wrap(model, "_metric_values", self._timed("metrics"))
        self._wrap(model.optimizer, "apply_gradients", self._timed("optimizer"))
        original_record = tape_module.record_operation
        self._restore.append(lambda: setattr(tape_module, "record_operation", original_record))

        def record(op):
            original_record(op)
            if self._in_step:
                self._time_backward(op)
        tape_module.record_operation = record
        return self

    def __exit__(self, *exc_info):
        while self._restore:
            self._restore.pop()()
        return False

    def _row(self, name, kind):
        if name not in self._rows:
            self._rows[name] = Row(name, kind)
        return self._rows[name]

    def _wrap(self, owner, attribute, make_wrapper):
        had_own = attribute in vars(owner)
        original = getattr(owner, attribute)
        setattr(owner, attribute, functools.wraps(original)(make_wrapper(original)))
        if had_own:
            self._restore.append(lambda: setattr(owner, attribute, original))
        else:
            self._restore.append(lambda: delattr(owner, attribute))

    def _timed_step(self, original):
        def step(*args, **kwargs):
            self._in_step = True
            before = sum(row.total for row in self._rows.values())
            gc_was_enabled = gc.isenabled()
            gc.disable()  # a collection would land its pause in whichever row is running
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - start
                if gc_was_enabled:
                    gc.enable()
                self.step_time += elapsed
                self.per_step.append((elapsed, sum(row.total for row in self._rows.values()) - before))
                self.steps += 1
                self._in_step = False
        return step

    def _timed(self, name):
        def make(original):
            def run(*args, **kwargs):
                if not self._in_step:
                    return original(*args, **kwargs)
                start = time.perf_counter()
                try:
                    return original(*args, **kwargs)
                finally:
                    self._rows[name].forward += time.perf_counter() - start
            return run
        return make

    def _time_layer(self, layer):
        """Time every call of ``layer``, its ``__call__`` bookkeeping included.

        ``layer(x)`` looks ``__call__`` up on the class, so the layer gets, for the duration
        of the profile, a subclass of its own class (same name) whose ``__call__`` is timed.
        """
        row, profiler, cls = self._rows[layer.name], self, type(layer)

        def __call__(self, inputs, *args, **kwargs):
            if not profiler._in_step or profiler._stack:  # inside another layer: the parent counts
                return cls.__call__(self, inputs, *args, **kwargs)
            profiler._stack.append(row)
            start = time.perf_counter()
            try:
                outputs = cls.__call__(self, inputs, *args, **kwargs)
            finally:
                row.forward += time.perf_counter() - start
                profiler._stack.pop()
            if row.flops is None:
                row.flops = layer_flops(self, _shape_of(inputs), _shape_of(outputs))
            return outputs

        timed = type(cls.__name__, (cls,), {"__call__": __call__, "__module__": cls.__module__,
                                            "__qualname__": cls.__qualname__})
        layer.__class__ = timed
        self._restore.append(lambda: setattr(layer, "__class__", cls))

    def _time_backward(self, op):
        row = self._stack[0] if self._stack else self._rows["loss"]
        original = op.input_gradients

        def input_gradients(grad, needed):
            start = time.perf_counter()
            try:
                return original(grad, needed)
            finally:
                row.backward += time.perf_counter() - start
        op.input_gradients = input_gradients

    def report(self):
        return ProfileReport(list(self._rows.values()), self.step_time, self.steps, self.per_step)


def _shape_of(value):
    if isinstance(value, (list, tuple)):
        return [tuple(v.shape) for v in value]
    return tuple(value.shape)


class ProfileReport:
    """What ``profile`` returns: ``rows`` (name, kind, forward, backward, total, flops),
    ``step_time`` (seconds, all measured steps), ``steps``, ``accounted`` (the rows' sum),
    ``unaccounted`` and ``per_step`` (``(step time, rows' time)`` of each step);
    ``print(report)`` shows the table (times per step)."""

    def __init__(self, rows, step_time, steps, per_step=()):
        self.rows, self.step_time, self.steps = rows, step_time, steps
        self.per_step = list(per_step)

    @property
    def accounted(self):
        return sum(row.total for row in self.rows)

    @property
    def unaccounted(self):
        return self.step_time - self.accounted

    def __str__(self):
        steps = max(self.steps, 1)
        rate = matmul_gflops()
        total = self.step_time or 1.0
        lines = [f"Profile of {self.steps} training step{'s' if self.steps != 1 else ''}: "
                 f"{1e3 * self.step_time / steps:.2f} ms per step; this machine's float32 "
                 f"matmul: {rate:.1f} GFLOP/s",
                 f"{'':<24}{'forward':>10}{'backward':>10}{'share':>8}{'MFLOP':>10}{'GFLOP/s':>9}"
                 f"{'of matmul':>11}"]
        for row in self.rows:
            mflop = gflops = of_matmul = ""
            if row.flops and row.total > 0:
                work = 3 * row.flops * steps  # forward, then input and weight gradients
                mflop = f"{row.flops / 1e6:.3g}"
                achieved = work / row.total / 1e9
                gflops, of_matmul = f"{achieved:.3g}", f"{100 * achieved / rate:.2g} %"
            lines.append(f"{row.name[:23]:<24}{1e3 * row.forward / steps:>8.2f}ms"
                         f"{1e3 * row.backward / steps:>8.2f}ms{100 * row.total / total:>7.1f}%"
                         f"{mflop:>10}{gflops:>9}{of_matmul:>11}")
        lines.append(f"{'unaccounted':<24}{1e3 * self.unaccounted / steps:>18.2f}ms"
                     f"{100 * self.unaccounted / total:>7.1f}%")
        lines.append("(MFLOP: forward, per step; GFLOP/s counts forward and backward, 3x the "
                     "forward FLOPs, over the row's time)")
        return "\n".join(lines)

    __repr__ = __str__


def profile(model, x, y, batch_size=32, steps=3, print_fn=print):
    """Run ``steps`` training steps on the first ``batch_size`` samples and report where
    their time went, layer by layer.

    The steps are real ``train_on_batch`` steps (after one untimed warm-up step), so the
    weights and the optimizer's state change as they would in training.

    Args:
        model: a compiled model.
        x, y: training data (as for ``fit``); only the first ``batch_size`` samples are used.
        batch_size: the size of the batch of every step.
        steps: how many steps are timed.
        print_fn: called with the report's text (``None``: do not print).

    Returns:
        A ``ProfileReport``.
    """
    if getattr(model, "optimizer", None) is None:
        raise RuntimeError(f"profile: model {model.name!r} must be compiled first "
                           "(model.compile(optimizer, loss)).")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"profile: `steps` must be a positive int, received {steps!r}.")
    xb, yb = _first(x, batch_size), _first(y, batch_size)
    model.train_on_batch(xb, yb)  # warm-up: builds the model, first-call costs
    with Profiler(model) as profiler:
        for _ in range(steps):
            model.train_on_batch(xb, yb)
    report = profiler.report()
    if print_fn is not None:
        print_fn(str(report))
    return report


def _first(data, n):
    if isinstance(data, dict):
        return {k: v[:n] for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [v[:n] for v in data]
    return data[:n]


def profile_callback(print_fn=print):
    """The callback ``fit(..., profile=True)`` adds: it profiles the first epoch, prints the
    report and keeps it as ``model.profile_report``."""
    from minikeras.callbacks.base import Callback

    class ProfileFirstEpoch(Callback):
        def __init__(self):
            super().__init__()
            self._profiler, self._done = None, False

        def on_epoch_begin(self, epoch, logs=None):
            if not self._done and self._profiler is None:
                self._profiler = Profiler(self.model).__enter__()

        def on_epoch_end(self, epoch, logs=None):
            self._stop()

        def on_train_end(self, logs=None):
            self._stop()

        def _stop(self):
            if self._profiler is None:
                return
            self._profiler.__exit__(None, None, None)
            self.model.profile_report = self._profiler.report()
            self._profiler, self._done = None, True
            if print_fn is not None:
                print_fn(str(self.model.profile_report))

    return ProfileFirstEpoch()
