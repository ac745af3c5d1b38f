"""``plot_model``: draw a model's layer graph with matplotlib alone (no pydot, no Graphviz).

Every layer is a box (``name: ClassName``, and with ``show_shapes`` its input and output
shapes); every connection of the graph is an arrow, from the layer that computes a tensor
to each layer called on it. A layer shared by several calls is drawn once, with an arrow
per call. A nested model is one box, or with ``expand_nested=True`` its own layers inside
a dashed frame.

The layout is the classic layered drawing (Sugiyama's method, reduced to its two main
steps):

1. **Ranks.** A box's rank is the length of the longest path that reaches it from an input
   (inputs have rank 0), so every arrow points down (``rankdir='TB'``) or right (``'LR'``).
2. **Order within a rank.** Boxes start in the order the model lists its layers; then,
   sweeping down and up a few times, each rank is sorted by the *barycentre* of its
   neighbours in the rank before (the mean of their positions). Boxes whose neighbours sit
   on the left move left, which removes most crossings of a typical network.
"""
import os
import tempfile

__all__ = ["plot_model"]

# Sizes in inches: one data unit of the axes is one inch of the figure.
_CHAR_WIDTH, _LINE_HEIGHT, _PAD = 0.075, 0.2, 0.12
_GAP_ALONG, _GAP_ACROSS = 0.45, 0.3   # between ranks, and between boxes of one rank
_FONT_SIZE = 9
_SWEEPS = 4


def plot_model(model, to_file="model.png", show_shapes=False, show_layer_names=True,
               rankdir="TB", expand_nested=False, dpi=96):
    """Draw the layer graph of ``model`` and save it to ``to_file``.

    Args:
        model: a built ``Sequential`` or functional ``Model``.
        to_file: where to save the picture; the format comes from the extension
            (``.png``, ``.pdf``, ``.svg``, ... whatever matplotlib writes). ``None``
            draws without saving. The file is written atomically.
        show_shapes: add each layer's input and output shapes (``multiple`` when the
            calls of a shared layer have different shapes).
        show_layer_names: start each box with the layer's name (``name: ClassName``).
        rankdir: ``'TB'`` (top to bottom) or ``'LR'`` (left to right).
        expand_nested: draw the layers of nested models inside a frame instead of one box.
        dpi: dots per inch of the saved picture.

    Returns:
        The ``matplotlib.figure.Figure``. Each box is a ``FancyBboxPatch`` whose ``gid`` is
        ``'layer:<name>'`` (nested layers: ``'layer:<model>/<name>'``), each arrow a
        ``FancyArrowPatch`` with ``gid`` ``'edge:<from>-><to>'``, each frame a ``Rectangle``
        with ``gid`` ``'model:<name>'``.

    Raises:
        ValueError: if the model is not built, ``rankdir`` is unknown, the folder of
            ``to_file`` does not exist or its extension is not a format matplotlib writes
            (all checked before anything is drawn).

    Example:
        >>> from minikeras.models import Sequential
        >>> from minikeras.layers import Dense
        >>> model = Sequential([Dense(8, input_shape=(4,), name="hidden"), Dense(2, name="out")])
        >>> figure = plot_model(model, to_file=None, show_shapes=True)
        >>> sorted(p.get_gid() for p in figure.axes[0].patches if p.get_gid().startswith("edge"))
        ['edge:hidden->out', 'edge:hidden_input->hidden']
    """
    from matplotlib.figure import Figure

    if rankdir not in ("TB", "LR"):
        raise ValueError(f"plot_model: rankdir must be 'TB' or 'LR'; received {rankdir!r}.")
    if not getattr(model, "built", False) or not getattr(model, "outputs", None):
        raise ValueError(
            f"plot_model: the model {getattr(model, 'name', model)!r} is not built yet, so it has no "
            "graph to draw. Give its first layer an input_shape or call it on data first."
        )
    file_format = _check_target(to_file) if to_file is not None else None

    boxes, edges, frames = _GraphBuilder(show_shapes, show_layer_names, expand_nested).build(model)
    positions, size = _layout(boxes, edges, rankdir)

    figure = Figure(figsize=size, dpi=dpi)
    axes = figure.add_axes([0, 0, 1, 1])
    axes.set_xlim(0, size[0])
    axes.set_ylim(0, size[1])
    axes.set_axis_off()
    _draw(axes, boxes, edges, frames, positions, rankdir)
    if to_file is not None:
        _save_atomically(figure, to_file, file_format, dpi)
    return figure


def _check_target(to_file):
    """The format to write ``to_file`` in; errors for a missing folder or an unknown format."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    folder = os.path.dirname(os.path.abspath(os.fspath(to_file)))
    if not os.path.isdir(folder):
        raise ValueError(
            f"plot_model: cannot write {os.fspath(to_file)!r}: the folder {folder!r} does not exist. "
            "Create it first (os.makedirs) or choose another path."
        )
    extension = os.path.splitext(os.fspath(to_file))[1].lower().lstrip(".")
    supported = FigureCanvasAgg(Figure()).get_supported_filetypes()
    if extension not in supported:
        raise ValueError(
            f"plot_model: cannot tell the picture format from {os.fspath(to_file)!r}: expected an "
            f"extension among {', '.join('.' + e for e in sorted(supported))}; received "
            f"{('.' + extension) if extension else 'none'}."
        )
    return extension


def _save_atomically(figure, to_file, file_format, dpi):
    to_file = os.fspath(to_file)
    folder = os.path.dirname(os.path.abspath(to_file))
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".plot_model-", suffix="." + file_format)
    try:
        with os.fdopen(handle, "wb") as f:
            figure.savefig(f, format=file_format, dpi=dpi)
        os.replace(temporary, to_file)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise


# --- the graph: boxes, arrows, frames ---------------------------------------------------------
class _GraphBuilder:
    """Boxes ``{key: (gid, lines, frame)}``, arrows ``[(from_key, to_key)]``, frames ``{name: keys}``."""

    def __init__(self, show_shapes, show_layer_names, expand_nested):
        self.show_shapes, self.show_names = show_shapes, show_layer_names
        self.expand = expand_nested
        self.boxes, self.edges, self.frames = {}, [], {}

    def build(self, model):
        self._add_model(model, prefix="", frame=None)
        return self.boxes, self.edges, self.frames

    def _expanded(self, layer):
        from minikeras.models.functional import Model

        return self.expand and isinstance(layer, Model)

    def _add_model(self, model, prefix, frame):
        nodes = model._network_nodes
        for layer in model._graph_layers:
            if self._expanded(layer):
                inner = prefix + layer.name + "/"
                self.frames[inner[:-1]] = []
                self._add_model(layer, inner, frame=inner[:-1])
            else:
                key = (prefix, id(layer))
                self.boxes[key] = (f"layer:{prefix}{layer.name}", self._lines(layer, nodes), frame)
                if frame is not None:
                    for name in _enclosing(frame):
                        self.frames[name].append(key)
        for layer in model._graph_layers:
            for node in layer._inbound_nodes:
                if node not in nodes:
                    continue
                for position, tensor in enumerate(node.input_tensors):
                    source, _, tensor_index = tensor._keras_history
                    self.edges.append((self._exit(source, tensor_index, prefix),
                                       self._entry(layer, position, prefix)))

    def _exit(self, layer, tensor_index, prefix):
        """The box an arrow leaves for output ``tensor_index`` of ``layer``."""
        while self._expanded(layer):
            prefix += layer.name + "/"
            layer, _, tensor_index = layer.outputs[tensor_index]._keras_history
        return (prefix, id(layer))

    def _entry(self, layer, position, prefix):
        """The box an arrow enters for input ``position`` of ``layer``."""
        while self._expanded(layer):
            prefix += layer.name + "/"
            layer = layer.inputs[min(position, len(layer.inputs) - 1)]._keras_history[0]
            position = 0
        return (prefix, id(layer))

    def _lines(self, layer, nodes):
        class_name = type(layer).__name__
        lines = [f"{layer.name}: {class_name}" if self.show_names else class_name]
        if self.show_shapes:
            calls = [node for node in layer._inbound_nodes if node in nodes]
            outputs = _same_or_multiple([node.output_shapes for node in calls])
            inputs = _same_or_multiple([node.input_shapes if node.input_tensors else node.output_shapes
                                        for node in calls])
            lines += [f"input: {_shape_text(inputs)}", f"output: {_shape_text(outputs)}"]
        return lines


def _enclosing(frame):
    """``'a/b'`` -> ``['a', 'a/b']``: every frame a nested box sits in."""
    parts = frame.split("/")
    return ["/".join(parts[:i + 1]) for i in range(len(parts))]


def _same_or_multiple(shapes):
    if not shapes or any(shape != shapes[0] for shape in shapes):
        return "multiple"
    return shapes[0]


def _shape_text(shape):
    if isinstance(shape, list):
        return "[" + ", ".join(_shape_text(s) for s in shape) + "]"
    return str(tuple(shape)) if isinstance(shape, tuple) else str(shape)


# --- layout --------------------------------------------------------------------------------
def _layout(boxes, edges, rankdir):
    """Box centres ``{key: (x, y)}`` in inches, and the figure size ``(width, height)``."""
    keys = list(boxes)
    parents = {key: [] for key in keys}
    children = {key: [] for key in keys}
    for source, target in edges:
        parents[target].append(source)
        children[source].append(target)

    rank = {}
    def rank_of(key):  # longest path from a box without parents (boxes come in model order)
        if key not in rank:
            rank[key] = 1 + max((rank_of(p) for p in parents[key]), default=-1)
        return rank[key]
    for key in keys:
        rank_of(key)
    ranks = [[] for _ in range(max(rank.values()) + 1)]
    for key in keys:
        ranks[rank[key]].append(key)
    _reduce_crossings(ranks, parents, children, boxes)

    width = max(len(line) for _, lines, _ in boxes.values() for line in lines) * _CHAR_WIDTH + 2 * _PAD
    height = max(len(lines) for _, lines, _ in boxes.values()) * _LINE_HEIGHT + 2 * _PAD
    across = (width if rankdir == "TB" else height) + _GAP_ACROSS
    along = (height if rankdir == "TB" else width) + _GAP_ALONG
    most = max(len(r) for r in ranks)
    positions = {}
    for r, members in enumerate(ranks):
        start = (most - len(members)) * across / 2  # centre each rank
        for i, key in enumerate(members):
            a, b = start + (i + 0.5) * across, (r + 0.5) * along
            positions[key] = (a, len(ranks) * along - b) if rankdir == "TB" else (b, most * across - a)
    size = (most * across, len(ranks) * along) if rankdir == "TB" else (len(ranks) * along, most * across)
    return positions, size


def _reduce_crossings(ranks, parents, children, boxes):
    """Sort each rank by the barycentre of its neighbours in the previous rank, sweeping both ways.

    Boxes of one nested model keep together: a rank is sorted by the barycentre of the
    group (its frame) first, then by the box's own.
    """
    for sweep in range(_SWEEPS):
        order = ranks[1:] if sweep % 2 == 0 else ranks[-2::-1]
        neighbours = parents if sweep % 2 == 0 else children
        for members in order:
            index = {key: i for rank in ranks for i, key in enumerate(rank)}
            centre = {}
            for i, key in enumerate(members):
                linked = [index[n] for n in neighbours[key]]
                centre[key] = sum(linked) / len(linked) if linked else i
            groups = {}
            for key in members:
                groups.setdefault(boxes[key][2], []).append(centre[key])
            members.sort(key=lambda k: (sum(groups[boxes[k][2]]) / len(groups[boxes[k][2]]), centre[k]))


# --- drawing -------------------------------------------------------------------------------
def _draw(axes, boxes, edges, frames, positions, rankdir):
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle

    extents = {}
    for key, (gid, lines, _) in boxes.items():
        x, y = positions[key]
        half_w = max(len(line) for line in lines) * _CHAR_WIDTH / 2 + _PAD
        half_h = len(lines) * _LINE_HEIGHT / 2 + _PAD / 2
        extents[key] = (half_w, half_h)
        axes.add_patch(FancyBboxPatch((x - half_w, y - half_h), 2 * half_w, 2 * half_h,
                                      boxstyle="round,pad=0.02", facecolor="#eef3fb",
                                      edgecolor="#34495e", linewidth=1.0, gid=gid))
        rule = ["\u2500" * max(len(line) for line in lines)] if len(lines) > 1 else []
        text = "\n".join(lines[:1] + rule + lines[1:])
        axes.text(x, y, text, ha="center", va="center", fontsize=_FONT_SIZE, family="monospace",
                  linespacing=1.2, gid=gid + ":text")

    for name, keys in frames.items():
        if not keys:
            continue
        left = min(positions[k][0] - extents[k][0] for k in keys) - 0.08
        right = max(positions[k][0] + extents[k][0] for k in keys) + 0.08
        bottom = min(positions[k][1] - extents[k][1] for k in keys) - 0.08
        top = max(positions[k][1] + extents[k][1] for k in keys) + 0.2
        axes.add_patch(Rectangle((left, bottom), right - left, top - bottom, fill=False,
                                 linestyle="--", edgecolor="#7f8c8d", gid=f"model:{name}"))
        axes.text(left + 0.05, top - 0.1, name, fontsize=_FONT_SIZE - 1, color="#7f8c8d",
                  va="center", gid=f"model:{name}:text")

    seen = {}
    for source, target in edges:
        repeat = seen[(source, target)] = seen.get((source, target), -1) + 1
        (x0, y0), (x1, y1) = positions[source], positions[target]
        if rankdir == "TB":
            start, end = (x0, y0 - extents[source][1]), (x1, y1 + extents[target][1])
        else:
            start, end = (x0 + extents[source][0], y0), (x1 - extents[target][0], y1)
        # The same two boxes joined twice (a layer called on the same tensor twice): bend
        # the repeats so that every arrow stays visible.
        bend = 0.25 * ((repeat + 1) // 2) * (1 if repeat % 2 else -1)
        axes.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=10,
                                       connectionstyle=f"arc3,rad={bend}", color="#34495e",
                                       linewidth=1.0, shrinkA=0, shrinkB=1,
                                       gid=f"edge:{boxes[source][0][6:]}->{boxes[target][0][6:]}"))
