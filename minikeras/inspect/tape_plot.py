"""``plot_tape(tape, target)``: the graph a tape recorded, drawn with matplotlib.

Operations are boxes (their name and their number on the tape, as in ``str(tape)``),
watched variables are orange boxes marked ``*``, other watched tensors green, constants
grey; every arrow is a tensor, labelled with its shape. The layout is layered by depth:
the inputs at the top, each operation one row below the deepest of its inputs, the target
at the bottom; within a row, boxes are ordered by where their inputs are, which keeps
arrows short. Only the operations the target depends on are drawn; past ``max_ops`` of
them the earliest are left out, and the figure says so in its title.

Example:
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from minikeras import GradientTape, Variable
    >>> w = Variable([1.0, 2.0], name="w")
    >>> with GradientTape() as tape:
    ...     y = (w * w).sum()
    >>> fig = plot_tape(tape, y)
    >>> fig.axes[0].get_title()
    'GradientTape: 2 operations, 1 watched variable'
"""
import numpy as np

from minikeras.inspect.tape_view import op_name, tensor_labels
from minikeras.utils.plotting.words import Words

__all__ = ["plot_tape"]

COLORS = {"op": "#cfe2f3", "target": "#9fc5e8", "variable": "#f9cb9c", "watched": "#b6d7a8",
          "const": "#eeeeee", "cut": "#ffffff"}


def _graph(tape, target, max_ops):
    """The operations the target depends on (tape order), and how many were left out."""
    producer = {id(op.output): index for index, op in enumerate(tape._operations)}
    needed, stack = set(), [id(target)]
    while stack:
        index = producer.get(stack.pop())
        if index is None or index in needed:
            continue
        needed.add(index)
        stack.extend(id(x) for x in tape._operations[index].inputs)
    order = sorted(needed)
    unrelated = len(tape._operations) - len(order)
    kept = order[-max_ops:] if len(order) > max_ops else order
    return kept, len(order) - len(kept), unrelated, producer


def plot_tape(tape, target, max_ops=40, to_file=None, figsize=None, dpi=100, words=None):
    """Draw the operations of ``tape`` that ``target`` depends on.

    Args:
        tape: a ``GradientTape`` that still holds its operations (a persistent tape, or a
            non-persistent one before ``gradient``).
        target: the Tensor whose computation is drawn (e.g. the loss).
        max_ops: at most this many operations are drawn (the latest ones, nearest the
            target); the title says how many were left out.
        to_file: if given, the figure is also saved there (PNG, SVG, ... by extension).
        figsize: the figure size in inches (default: from the number of rows and columns).
        dpi: the resolution of the saved file.
        words: the figure's own words in another language (keys ``tape_title``,
            ``operations``, ``watched_variables``, ``target``, ``const``, ``left_out``,
            ``left_out_note``, ``unrelated_note``, ``tape_legend``; see
            ``minikeras.utils.plotting.words``). Operation names stay as in the code.

    Returns:
        The matplotlib ``Figure``.

    Raises:
        ValueError: if the tape recorded nothing that leads to ``target``.
    """
    import matplotlib.pyplot as plt

    say = Words(words, "plot_tape")
    kept, cut, unrelated, producer = _graph(tape, target, max_ops)
    if not kept:
        raise ValueError(
            "plot_tape: the tape holds no operation that leads to the target (was it recorded "
            "inside `with tape:`, and was the tape already used by gradient()?)."
        )
    labels = tensor_labels(tape)
    kept_set = set(kept)
    watched_variables = tape._watched_variables

    # Nodes: ("op", index) for operations, ("leaf", id) for inputs not computed by a kept op.
    nodes, parents, kinds, texts = [], {}, {}, {}
    for index in kept:
        op = tape._operations[index]
        node = ("op", index)
        nodes.append(node)
        parents[node] = []
        kinds[node] = "target" if op.output is target else "op"
        texts[node] = f"{op_name(op)}  #{index}"
        if op.output is target:
            texts[node] += f"\n{say('target')} {tuple(op.output.shape)} {op.output.dtype}"
        for x in op.inputs:
            source = producer.get(id(x))
            if source in kept_set:
                parent = ("op", source)
            else:
                parent = ("leaf", id(x))
                if parent not in kinds:
                    nodes.append(parent)
                    parents[parent] = []
                    if source is not None:
                        kinds[parent], texts[parent] = "cut", f"{say('left_out')} {labels[id(x)]}"
                    elif id(x) in watched_variables:
                        kinds[parent], texts[parent] = "variable", f"{labels[id(x)]}*"
                    elif id(x) in tape._tracked:
                        kinds[parent], texts[parent] = "watched", labels[id(x)]
                    else:
                        kinds[parent], texts[parent] = "const", say("const")
            parents[node].append((parent, x))

    position = _layout(nodes, parents)
    xs = [x for x, _ in position.values()]
    ys = [y for _, y in position.values()]
    width, height = max(xs) - min(xs) + 1, max(ys) - min(ys) + 1
    if figsize is None:
        figsize = (max(6.0, 2.0 * width), max(3.0, 1.0 * height + 1.2))
    fig, ax = plt.subplots(figsize=figsize)
    ax.set_axis_off()
    for node in nodes:
        for parent, tensor in parents[node]:
            (x0, y0), (x1, y1) = position[parent], position[node]
            # An arrow that skips rows bends, so that it does not run through the boxes between.
            bend = 0.35 if y0 - y1 > 1 else 0.0
            ax.annotate("", xy=(x1, y1 + 0.18), xytext=(x0, y0 - 0.18),
                        arrowprops=dict(arrowstyle="->", color="#555555", lw=0.9,
                                        connectionstyle=f"arc3,rad={bend}"))
            # A bent arrow is labelled just below where it starts.
            label_at = ((x0 + x1) / 2, (y0 + y1) / 2) if not bend else (x0 - 0.35, y0 - 0.45)
            ax.text(*label_at, str(tuple(tensor.shape)), fontsize=7,
                    ha="center", va="center", color="#333333",
                    bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.8))
    for node in nodes:
        x, y = position[node]
        kind = kinds[node]
        text = texts[node]
        if node[0] == "leaf" and kind != "cut":
            tensor = next(t for n in nodes for p, t in parents[n] if p == node)
            text += f"\n{tuple(tensor.shape)} {tensor.dtype}"
        ax.text(x, y, text, ha="center", va="center", fontsize=8,
                fontweight="bold" if kind == "target" else "normal",
                bbox=dict(boxstyle="round,pad=0.35", fc=COLORS[kind],
                          ec="#999999" if kind != "cut" else "#cc0000",
                          ls="-" if kind != "cut" else "--"))
    ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
    ax.set_ylim(min(ys) - 0.5, max(ys) + 0.5)
    n_ops, n_vars = len(tape._operations), len(watched_variables)
    title = say("tape_title", operations=say("operations", n=n_ops),
                variables=say("watched_variables", n=n_vars))
    ax.set_title(title, fontsize=10)
    notes = []
    if cut:
        notes.append(say("left_out_note", n=cut, max_ops=max_ops))
    if unrelated:
        notes.append(say("unrelated_note", n=unrelated))
    notes.append(say("tape_legend"))
    fig.text(0.5, 0.005, "\n".join(notes), ha="center", va="bottom", fontsize=7,
             color="#cc0000" if cut else "#333333")
    fig.tight_layout(rect=(0, 0.02 + 0.012 * len(notes), 1, 1))
    if to_file is not None:
        fig.savefig(to_file, dpi=dpi)
    return fig


def _layout(nodes, parents, gap=1.15):
    """``{node: (x, y)}``: operations in rows by depth, each input leaf just above its user.

    An operation's row is one below the deepest operation it reads; within a row the
    operations are ordered by the mean x of their inputs. A leaf (variable, constant)
    sits in the row above the first operation that reads it, beside it; then each row is
    swept left to right so that no two boxes are closer than ``gap``.
    """
    ops = [n for n in nodes if n[0] == "op"]
    depth = {}
    for node in ops:  # tape order: the inputs' depths are known
        depth[node] = 1 + max([depth[p] for p, _ in parents[node] if p[0] == "op"], default=0)
    users = {}
    for node in ops:
        for parent, _ in parents[node]:
            if parent[0] == "leaf":
                users.setdefault(parent, []).append(node)
    rows = {}
    for node in ops:
        rows.setdefault(depth[node], []).append(node)
    x = {}
    for d in sorted(rows):
        def key(node):
            op_parents = [x[p] for p, _ in parents[node] if p[0] == "op"]
            return (np.mean(op_parents) if op_parents else 0.0, node[1])
        row = sorted(rows[d], key=key)
        for i, node in enumerate(row):
            x[node] = key(node)[0] if len(row) == 1 else i - (len(row) - 1) / 2 + key(node)[0] * 0.5
    leaf_rows, beside = {}, {}
    for leaf, readers in users.items():
        reader = readers[0]
        side = beside.get(reader, 0)
        beside[reader] = side + 1
        # Alternate right and left of the reader: 1st right, 2nd left, 3rd further right...
        offset = gap * (side // 2 + 1) * (1 if side % 2 == 0 else -1)
        depth[leaf] = depth[reader] - 1
        x[leaf] = x[reader] + offset
        leaf_rows.setdefault(depth[leaf], []).append(leaf)
    for d in set(depth.values()):
        row = sorted([n for n in depth if depth[n] == d], key=lambda n: x[n])
        for left, right in zip(row, row[1:]):
            if x[right] - x[left] < gap:
                x[right] = x[left] + gap
    return {node: (x[node], -depth[node]) for node in nodes}
