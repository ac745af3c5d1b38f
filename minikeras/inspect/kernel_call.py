"""One call of a kernel as ``kernels.check`` makes it: the ``Case``.

A kernel takes its arguments in the order of its parameters in ``reference.py``: arrays it
reads, arrays it writes (allocated by the caller) and scalars, in whatever order the kernel
declares them (``max_pool_3d(x, out, argmax, KD, ...)``, ``affine_transform_2d(x, out,
matrices, mode, cval)``, ``lstm_forward(xz, R, keep, rmask, act, ract, hs, cs, gates)``). A
``Case`` holds them in that order, each as one of:

* a float ndarray: read by the kernel, cast to the dtype of the run (float32, float64);
* any other ndarray (uint8 masks ``keep``, int32 ``argmax``), or a float array wrapped in
  ``Fixed``: read by the kernel with its own dtype in every run;
* an ``Out``: an array the kernel writes, made fresh for every call;
* an ``InOut``: an array the kernel reads and updates in place (Adam's ``m`` and ``v``,
  the ``z`` that ``bias_activation`` overwrites, a sum the kernel adds to), set to the
  same values before every call;
* a ``Scratch``: working memory the kernel may fill as it likes (per-thread buffers), made
  fresh for every call and not compared;
* anything else (int, float, bool): a scalar argument, passed as it is.

Example:
    >>> import numpy as np
    >>> case = Case(np.zeros((2, 3)), Out((2, 3)), np.ones(2, np.uint8), 1, -0.5, True)
    >>> case.describe(["x", "out", "keep", "act", "cval", "flag"])
    'x (2, 3), out (2, 3), keep (2,) uint8, act=1, cval=-0.5, flag=True'
    >>> arguments, outputs = case.arguments_for(np.float32)
    >>> arguments[0].dtype, outputs[0].dtype, bool(np.isnan(outputs[0]).all())
    (dtype('float32'), dtype('float32'), True)
    >>> step = Case(np.ones(3), InOut(np.zeros(3)), Out((3,), "float64"), 0.9)
    >>> step.describe(["g", "m", "total", "beta"])
    'g (3,), m (3,) in place, total (3,) float64, beta=0.9'
"""
import inspect

import numpy as np

from minikeras import _kernels
from minikeras._kernels import reference

__all__ = ["Case", "Out", "InOut", "Fixed", "Scratch", "compiled_kernel", "parameter_names"]


class Out:
    """An array the kernel writes: its shape, its ``kind`` and ``start``.

    ``kind``: ``'float'`` (the float type of the run), ``'float64'`` (in every run: the
    per-channel sums of batch normalisation) or ``'int32'``. A fresh float output is NaN
    and an int32 one -1, so that an element the kernel forgets to write is caught.
    ``start`` (an array of the output's shape) gives the values the caller sets before the
    call instead, with NaN where the kernel must write: the recurrent kernels read their
    initial state from ``hs[0]``.
    """

    def __init__(self, shape, kind="float", start=None):
        if kind not in ("float", "float64", "int32"):
            raise ValueError(f"Out: kind must be 'float', 'float64' or 'int32', received {kind!r}.")
        self.shape = tuple(int(n) for n in shape)
        self.kind = kind
        self.start = None if start is None else np.array(start, dtype=np.float64)
        if self.start is not None and self.start.shape != self.shape:
            raise ValueError(f"Out: start has shape {self.start.shape}, expected {self.shape}.")

    @property
    def is_float(self):
        return self.kind != "int32"

    def fresh(self, dtype):
        if self.kind == "int32":
            return np.full(self.shape, -1, np.int32)
        if self.kind == "float64":
            dtype = np.float64
        if self.start is not None:
            return self.start.astype(dtype)
        return np.full(self.shape, np.nan, dtype)


class InOut(Out):
    """An array the kernel reads and updates in place: ``array`` holds its values before
    the call (cast to the run's float type, or float64 with ``kind='float64'``). The kernel
    may also leave it as it is: ``bias_activation_backward`` writes ``dz`` only with
    ``relu``, and the comparison with the twin then checks that it did not touch it.
    """

    def __init__(self, array, kind="float"):
        array = np.asarray(array, dtype=np.float64)
        super().__init__(array.shape, kind, start=array)


class Fixed:
    """A float input passed with its own dtype in every run (``affine_transform_2d`` reads its
    ``matrices`` as float64 whatever the image's type)."""

    def __init__(self, array):
        self.array = np.ascontiguousarray(array)


class Scratch:
    """Working memory of the kernel's float type (``conv2d_pipeline_forward``'s per-thread
    columns): made fresh (NaN) for every call, never compared with the twin's."""

    def __init__(self, shape):
        self.shape = tuple(int(n) for n in shape)

    def fresh(self, dtype):
        return np.full(self.shape, np.nan, dtype)


def _scalar(value):
    """NumPy scalars as the plain Python values a student's kernel expects."""
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


class Case:
    """One call: ``kernel(*arguments)``, the arguments in the order of the parameters."""

    def __init__(self, *arguments):
        self.arguments = tuple(a if isinstance(a, (np.ndarray, Fixed, Out, Scratch)) else _scalar(a)
                               for a in arguments)

    @property
    def inputs(self):
        """The arrays the kernel reads, in order (``Fixed`` ones unwrapped)."""
        return [a.array if isinstance(a, Fixed) else a for a in self.arguments
                if isinstance(a, (np.ndarray, Fixed))]

    @property
    def outputs(self):
        """The ``Out`` of every array the kernel writes, in order."""
        return [a for a in self.arguments if isinstance(a, Out)]

    @property
    def scalars(self):
        return [a for a in self.arguments if not isinstance(a, (np.ndarray, Fixed, Out, Scratch))]

    def arguments_for(self, dtype):
        """``(arguments, outputs)`` of one call in ``dtype``: float inputs cast, fresh outputs."""
        arguments, outputs = [], []
        for a in self.arguments:
            if isinstance(a, Out):
                a = a.fresh(dtype)
                outputs.append(a)
            elif isinstance(a, Scratch):
                a = a.fresh(dtype)
            elif isinstance(a, Fixed):
                a = a.array
            elif isinstance(a, np.ndarray) and a.dtype.kind == "f":
                a = np.ascontiguousarray(a, dtype=dtype)
            arguments.append(a)
        return arguments, outputs

    def output_names(self, kernel):
        """The parameter names of the outputs of ``kernel`` (a name of ``reference.py``)."""
        return [p for p, a in zip(parameter_names(kernel), self.arguments) if isinstance(a, Out)]

    def describe(self, kernel):
        """Every argument by its parameter name: arrays by shape (and by dtype when it is not
        the float type of the run), scalars by value. ``kernel``: a kernel's name, or the
        parameter names themselves."""
        parameters = parameter_names(kernel)
        words = []
        for p, a in zip(parameters, self.arguments):
            if isinstance(a, Out):
                words.append(f"{p} {a.shape}" + ("" if a.kind == "float" else f" {a.kind}")
                             + (" in place" if isinstance(a, InOut) else ""))
            elif isinstance(a, Scratch):
                words.append(f"{p} {a.shape} scratch")
            elif isinstance(a, (np.ndarray, Fixed)):
                array = a.array if isinstance(a, Fixed) else a
                shape = tuple(int(n) for n in array.shape)
                typed = isinstance(a, Fixed) or array.dtype.kind != "f"
                words.append(f"{p} {shape}" + (f" {array.dtype.name}" if typed else ""))
            else:
                words.append(f"{p}={a!r}")
        return ", ".join(words)


def parameter_names(kernel):
    """The parameters of the twin named ``kernel`` (a list of names is returned as it is)."""
    if isinstance(kernel, str):
        return list(inspect.signature(getattr(reference, kernel)).parameters)
    return list(kernel)


def compiled_kernel(name):
    """The project's compiled kernel ``name`` (the twin where none is compiled)."""
    for module in _kernels._compiled:
        if hasattr(module, name):
            return getattr(module, name)
    return getattr(reference, name)
