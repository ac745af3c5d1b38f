"""Looking at a GradientTape: the list of recorded operations and the stepped backward pass.

``str(tape)`` (and ``tape.summary()``) list what the tape recorded, oldest first. Every
tensor gets a short label: ``t3`` is the output of operation 3, a watched Variable keeps
its name (``kernel``, ``bias``; a number is added when two share a name), another watched
tensor is ``x0``, ``x1``, ...; a tensor the tape does not track (a constant) is ``const``::

    GradientTape (persistent): 3 operations, 2 watched variables
      #  operation  inputs                                           output
      0  MatMul     x0 (4, 3) float32, kernel* (3, 2) float32        t0 (4, 2) float32
      1  Add        t0 (4, 2) float32, bias* (2,) float32            t1 (4, 2) float32
      2  Sum        t1 (4, 2) float32                                t2 () float32
    * a watched variable   ° another watched tensor

``tape.backward_steps(target)`` replays the same list from the end, one ``BackwardStep``
per operation the gradient flows through (see ``GradientTape._replay``, the loop that
``tape.gradient`` runs too, so the two cannot disagree).
"""
import numpy as np

from minikeras.tensor import Tensor, Variable

__all__ = ["BackwardStep", "tensor_labels", "format_tape", "walk_backward", "op_name"]


def op_name(op):
    """The name shown for an operation: its class name (``MatMul``, ``Conv``, ...)."""
    return type(op).__name__


def tensor_labels(tape):
    """``{id(tensor): label}`` for every tensor the recorded operations touch."""
    labels = {}
    for index, op in enumerate(tape._operations):
        labels[id(op.output)] = f"t{index}"
    names_seen = {}
    watched_count = 0
    for tensor in tape._tracked.values():
        if id(tensor) in labels:
            continue
        if isinstance(tensor, Variable):
            base = tensor.name or "variable"
            count = names_seen.get(base, 0)
            names_seen[base] = count + 1
            labels[id(tensor)] = base if count == 0 else f"{base}_{count}"
        else:
            labels[id(tensor)] = tensor.name or f"x{watched_count}"
            watched_count += 1
    return labels


def _describe(tensor, labels, watched_variables, tracked):
    """``kernel* (3, 2) float32``: label, mark, shape, dtype."""
    label = labels.get(id(tensor), "const")
    if id(tensor) in watched_variables:
        label += "*"
    elif id(tensor) in tracked and not label.startswith("t"):
        label += "\u00b0"
    return f"{label} {tuple(tensor.shape)} {tensor.dtype}"


def format_tape(tape):
    """The text of ``str(tape)``: one line per recorded operation, oldest first."""
    operations = tape._operations
    kind = "persistent" if tape._persistent else "non-persistent"
    header = (f"GradientTape ({kind}): {len(operations)} operation"
              f"{'' if len(operations) == 1 else 's'}, {len(tape._watched_variables)} watched "
              f"variable{'' if len(tape._watched_variables) == 1 else 's'}")
    if not operations:
        note = ("  (nothing recorded: the operations are released once a non-persistent tape "
                "has computed its gradient)" if tape._used else
                "  (nothing recorded yet: run operations on watched tensors inside `with tape:`)")
        return header + "\n" + note
    labels = tensor_labels(tape)
    rows = []
    for index, op in enumerate(operations):
        inputs = ", ".join(_describe(x, labels, tape._watched_variables, tape._tracked)
                           for x in op.inputs)
        output = _describe(op.output, labels, tape._watched_variables, tape._tracked)
        rows.append((str(index), op_name(op), inputs, output))
    titles = ("#", "operation", "inputs", "output")
    widths = [max(len(row[i]) for row in rows + [titles]) for i in range(4)]
    lines = [header]
    for row in [titles] + rows:
        lines.append("  " + f"{row[0]:>{widths[0]}}  {row[1]:<{widths[1]}}  "
                     f"{row[2]:<{widths[2]}}  {row[3]}".rstrip())
    lines.append("  * a watched variable   \u00b0 another watched tensor   "
                 "tN the output of operation N")
    return "\n".join(lines)


class BackwardStep:
    """One operation of the backward pass.

    Attributes:
        index: the operation's position on the tape (``tape.operations[index]``).
        op: the operation (``op.inputs``, ``op.output``).
        upstream: the gradient of the target with respect to ``op.output`` (a Tensor with
            the output's shape), summed over every later use of that output.
        input_grads: a tuple with one entry per ``op.inputs``: the gradient this operation
            sends to that input, or None where none is needed.
    """

    def __init__(self, index, op, upstream, input_grads, labels):
        self.index, self.op, self.upstream, self.input_grads = index, op, upstream, input_grads
        self._labels = labels

    @property
    def name(self):
        return op_name(self.op)

    def __str__(self):
        label = self._labels.get
        inputs = ", ".join(label(id(x), "const") for x in self.op.inputs)
        sent = []
        for x, g in zip(self.op.inputs, self.input_grads):
            target = label(id(x), "const")
            sent.append(f"d/d{target} {tuple(g.shape)} |g|={_norm(g):.4g}" if g is not None
                        else f"d/d{target} not needed")
        return (f"step for op {self.index}: {label(id(self.op.output), '?')} = {self.name}({inputs}); "
                f"upstream {tuple(self.upstream.shape)} |g|={_norm(self.upstream):.4g} -> "
                + "; ".join(sent))

    __repr__ = __str__


def _norm(tensor):
    return float(np.sqrt(np.sum(np.square(np.asarray(tensor.numpy(), dtype=np.float64)))))


def walk_backward(tape, target, sources=None, output_gradients=None):
    """What ``tape.backward_steps`` returns: a generator of ``BackwardStep``.

    The checks run (and a non-persistent tape is marked as used) when this is called, not
    when the first step is taken, so a misuse is reported at the line that made it.
    """
    from minikeras.tape import _flatten

    tape._check_usable()
    source_list = None
    if sources is not None:
        source_list = _flatten(sources)[0]
        for s in source_list:
            if not isinstance(s, Tensor):
                raise TypeError(
                    "backward_steps() sources must be minikeras Tensors or Variables, "
                    f"got {type(s).__name__}."
                )
    targets = [t if isinstance(t, Tensor) else Tensor(t) for t in _flatten(target)[0]]
    upstream = tape._upstream_gradients(targets, output_gradients)
    tape._used = True
    labels = tensor_labels(tape)

    def steps():
        try:
            for index, op, grad, input_grads in tape._replay(targets, upstream, source_list, {}):
                yield BackwardStep(index, op, grad, input_grads, labels)
        finally:
            if not tape._persistent:
                tape.reset()

    return steps()
