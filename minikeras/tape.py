"""GradientTape: record operations, then replay them backwards.

While a tape is open (``with GradientTape() as tape:``) every differentiable operation
whose inputs the tape *tracks* is appended to ``tape.operations``. A tensor is tracked
when it was watched (``tape.watch(x)``, or a trainable Variable read inside the block)
or when it is the output of an operation the tape recorded.

``tape.gradient(target, sources)`` walks the recorded list from the end to the start.
Each operation turns the gradient of its output into gradients of its inputs (its
``backward`` rule, see ``minikeras/ops/base.py``) and the tape adds them up, so a tensor
used twice receives the sum of both contributions (the chain rule)::

    grads[target] = output_gradients (ones by default)
    for op in reversed(operations):
        for x, g in zip(op.inputs, op.backward(grads[op.output])):
            grads[x] += g

Backward rules are themselves written with minikeras operations, so when another tape is
recording around this one, it records the backward pass too: that is how nested tapes
give second derivatives, exactly as in TensorFlow.
"""
import contextlib

import numpy as np

from minikeras.tensor import Tensor, Variable

__all__ = ["GradientTape"]

# The open tapes, innermost last. Operations are recorded on every open tape that tracks
# one of their inputs.
_open_tapes = []


def is_recording():
    """True when at least one open tape is recording (ops then keep what backward needs)."""
    return any(tape._recording for tape in _open_tapes)


def record_operation(op):
    """Append ``op`` (with ``op.inputs`` and ``op.output`` set) to the tapes that track it."""
    for tape in _open_tapes:
        if tape._recording and tape._tracks_any(op.inputs):
            tape._operations.append(op)
            tape._tracked[id(op.output)] = op.output


def _flatten(structure):
    """A list of leaves and a function that puts a list of leaves back in that shape."""
    if isinstance(structure, dict):
        keys = list(structure)
        return [structure[k] for k in keys], lambda leaves: dict(zip(keys, leaves))
    if isinstance(structure, (list, tuple)):
        return list(structure), list
    return [structure], lambda leaves: leaves[0]


class GradientTape:
    """Record operations for automatic differentiation, as ``tf.GradientTape`` does.

    Args:
        persistent: if False (default) ``gradient`` may be called once, after which the
            recorded operations are released; if True, any number of times.
        watch_accessed_variables: if True (default), trainable Variables read while the
            tape is open are watched automatically.

    Example:
        >>> x = Variable(3.0)
        >>> with GradientTape() as tape:
        ...     y = x * x
        >>> float(tape.gradient(y, x))
        6.0
    """

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self._persistent = bool(persistent)
        self._watch_accessed_variables = bool(watch_accessed_variables)
        self._operations = []
        self._tracked = {}          # id(tensor) -> tensor, the tensors this tape follows
        self._watched_variables = {}
        self._recording = False
        self._used = False

    # --- recording ---------------------------------------------------------------------
    def __enter__(self):
        if self._recording:
            raise RuntimeError("This GradientTape is already recording: it cannot be entered twice.")
        _open_tapes.append(self)
        self._recording = True
        return self

    def __exit__(self, *exc_info):
        self._recording = False
        if self in _open_tapes:
            _open_tapes.remove(self)
        return False

    def watch(self, tensor):
        """Track ``tensor`` (a Tensor or Variable, or a list of them) from now on."""
        for t in _flatten(tensor)[0]:
            if not isinstance(t, Tensor):
                raise TypeError(
                    "GradientTape.watch expects a minikeras Tensor or Variable, "
                    f"got {type(t).__name__}. Wrap NumPy values first: x = minikeras.Tensor(array)."
                )
            if not np.issubdtype(t.dtype, np.floating):
                raise TypeError(
                    f"GradientTape.watch expects a floating-point tensor, got dtype {t.dtype}: "
                    "gradients are only defined for float tensors."
                )
            self._tracked[id(t)] = t
            if isinstance(t, Variable):
                self._watched_variables[id(t)] = t

    def _tracks_any(self, inputs):
        tracked = False
        for t in inputs:
            if id(t) in self._tracked:
                tracked = True
            elif self._watch_accessed_variables and isinstance(t, Variable) and t.trainable:
                self._tracked[id(t)] = t
                self._watched_variables[id(t)] = t
                tracked = True
        return tracked

    @contextlib.contextmanager
    def stop_recording(self):
        """Operations run inside this block are not recorded on this tape."""
        was_recording, self._recording = self._recording, False
        try:
            yield
        finally:
            self._recording = was_recording

    def reset(self):
        """Forget every recorded operation and watched tensor."""
        self._operations = []
        self._tracked = {}
        self._watched_variables = {}

    def watched_variables(self):
        """The Variables this tape watches, in the order they were first watched."""
        return tuple(self._watched_variables.values())

    @property
    def operations(self):
        """The recorded operations, oldest first (for inspection and teaching)."""
        return tuple(self._operations)

    # --- looking at the tape (the formatting lives in minikeras/inspect/tape_view.py) ------
    def __str__(self):
        """The recorded operations in order: op, input and output shapes and dtypes."""
        from minikeras.inspect.tape_view import format_tape

        return format_tape(self)

    def summary(self, print_fn=None):
        """Print ``str(tape)`` (or pass each line to ``print_fn``)."""
        for line in str(self).splitlines():
            (print_fn or print)(line)

    def __repr__(self):
        return (f"<GradientTape persistent={self._persistent} operations={len(self._operations)} "
                f"watched_variables={len(self._watched_variables)}>")

    # --- replaying -----------------------------------------------------------------------
    def _check_usable(self):
        if self._used and not self._persistent:
            raise RuntimeError(
                "A non-persistent GradientTape can compute gradients only once. "
                "Use GradientTape(persistent=True) to call gradient() several times."
            )

    def gradient(self, target, sources, output_gradients=None, unconnected_gradients="none"):
        """Gradients of ``target`` with respect to ``sources``.

        Args:
            target: a Tensor, or a list of Tensors whose gradients are added.
            sources: a Tensor/Variable, or a list, tuple or dict of them.
            output_gradients: the upstream gradient, one per target with the target's shape.
                Without it every element of the target gets gradient 1 (a non-scalar
                target is summed).
            unconnected_gradients: ``'none'`` (default) or ``'zero'``: what is returned for
                a source the target does not depend on.

        Returns:
            The gradients in the structure of ``sources``: each a Tensor with the source's
            shape, or None where the target does not depend on that source.
        """
        self._check_usable()
        if unconnected_gradients not in ("none", "zero"):
            raise ValueError(
                f"unconnected_gradients must be 'none' or 'zero', got {unconnected_gradients!r}."
            )
        source_list, rebuild = _flatten(sources)
        for s in source_list:
            if not isinstance(s, Tensor):
                raise TypeError(
                    f"gradient() sources must be minikeras Tensors or Variables, got {type(s).__name__}."
                )
        targets = _flatten(target)[0]
        targets = [t if isinstance(t, Tensor) else Tensor(t) for t in targets]
        upstream = self._upstream_gradients(targets, output_gradients)

        self._used = True
        grads = {}
        for _ in self._replay(targets, upstream, source_list, grads):
            pass
        tracked_sources = {id(s) for s in source_list if id(s) in self._tracked}

        results = []
        for s in source_list:
            g = grads.get(id(s)) if id(s) in tracked_sources else None
            if g is not None and not np.issubdtype(s.dtype, np.floating):
                g = None
            if g is None and unconnected_gradients == "zero":
                g = Tensor(np.zeros(s.shape, dtype=s.dtype if np.issubdtype(s.dtype, np.floating) else None))
            results.append(g)
        if not self._persistent:
            self.reset()
        return rebuild(results)

    def _replay(self, targets, upstream, source_list, grads):
        """Walk the tape backwards, adding into ``grads`` (id(tensor) -> Tensor).

        Yields ``(index, op, grad_of_output, input_grads)`` after each operation has sent
        its gradients on. With ``source_list=None`` every tracked input gets a gradient.
        """
        for t, g in zip(targets, upstream):
            _accumulate(grads, t, g)
        # Only inputs that lead back to a tracked source need a gradient computed; a source
        # this tape does not track (never watched, not computed on the tape) has none.
        if source_list is None:
            leads_to_source = set(self._tracked)
        else:
            leads_to_source = {id(s) for s in source_list if id(s) in self._tracked}
            for op in self._operations:
                if any(id(x) in leads_to_source for x in op.inputs):
                    leads_to_source.add(id(op.output))
        with self.stop_recording():
            for index in range(len(self._operations) - 1, -1, -1):
                op = self._operations[index]
                grad = grads.get(id(op.output))
                if grad is None:
                    continue
                needed = tuple(id(x) in leads_to_source for x in op.inputs)
                if not any(needed):
                    continue
                input_grads = tuple(op.input_gradients(grad, needed))
                for x, g in zip(op.inputs, input_grads):
                    if g is not None:
                        _accumulate(grads, x, g)
                yield index, op, grad, input_grads

    def backward_steps(self, target, sources=None, output_gradients=None):
        """Walk the backward pass one operation at a time (for lessons and debugging).

        Yields one ``BackwardStep`` per recorded operation the gradient flows through, last
        operation first: ``step.op``, ``step.upstream`` (the gradient of the op's output,
        summed over every use of it), ``step.input_grads`` (what it sends to each input,
        ``None`` where no gradient is needed). Adding every ``input_grads`` entry into the
        tensor it belongs to gives exactly what ``gradient(target, sources)`` returns.
        ``sources=None`` sends gradients to every tracked input; given sources prune the
        walk as ``gradient`` does. Like ``gradient``, a non-persistent tape is consumed:
        calling this (or ``gradient``) again raises ``RuntimeError``; the recorded
        operations are released when the walk ends. See ``minikeras.inspect.tape_view``.

        Example:
            >>> x = Variable(3.0)
            >>> with GradientTape() as tape:
            ...     y = x * x
            >>> [str(step.op.__class__.__name__) for step in tape.backward_steps(y)]
            ['Multiply']
        """
        from minikeras.inspect.tape_view import walk_backward

        return walk_backward(self, target, sources, output_gradients)

    @staticmethod
    def _upstream_gradients(targets, output_gradients):
        if output_gradients is None:
            return [Tensor(np.ones(t.shape, dtype=_float_dtype(t))) for t in targets]
        given = _flatten(output_gradients)[0]
        if len(given) != len(targets):
            raise ValueError(
                f"output_gradients must have one entry per target: {len(targets)} targets, "
                f"{len(given)} output gradients given."
            )
        upstream = []
        for t, g in zip(targets, given):
            if g is None:
                g = np.ones(t.shape, dtype=_float_dtype(t))
            g = g if isinstance(g, Tensor) else Tensor(np.asarray(g, dtype=_float_dtype(t)))
            if g.shape != t.shape:
                raise ValueError(
                    f"output_gradients must have the target's shape {t.shape}, got shape {g.shape}."
                )
            upstream.append(g)
        return upstream


def _float_dtype(t):
    return t.dtype if np.issubdtype(t.dtype, np.floating) else np.dtype("float32")


def _accumulate(grads, tensor, grad):
    previous = grads.get(id(tensor))
    grads[id(tensor)] = grad if previous is None else previous + grad
