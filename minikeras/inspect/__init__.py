"""What the teaching tools show: the tape, the shapes, the kernels and the time.

* ``tape_view``: ``str(tape)``, ``tape.summary()`` and ``tape.backward_steps(...)``;
* ``tape_plot``: ``plot_tape(tape, target)``, the recorded graph drawn with matplotlib
  (imported only when called, so that minikeras does not need matplotlib);
* ``explain``: ``layer.explain(input_shape)``, how each output size follows;
* ``shape_hints``: the likely fix added to a shape error;
* ``kernel_check``: ``minikeras.kernels.check(module)``, grading a set of kernels;
* ``profile``: ``minikeras.utils.profile(model, x, y)``, where the time of a step goes.

Nothing here changes a computation: these modules only read what the tape, the layers and
the models already hold (the profiler times the steps it is given, and puts everything
back afterwards).
"""
from minikeras.inspect.explain import Explanation, explain
from minikeras.inspect.tape_plot import plot_tape
from minikeras.inspect.tape_view import BackwardStep, format_tape

__all__ = ["BackwardStep", "Explanation", "explain", "format_tape", "plot_tape"]
