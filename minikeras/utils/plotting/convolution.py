"""What a convolutional network holds and computes: ``plot_filters`` and ``plot_feature_maps``."""
import math

import numpy as np

from minikeras.utils.plotting._common import grid, pyplot, save_figure
from minikeras.utils.plotting.words import Words

__all__ = ["plot_filters", "plot_feature_maps"]


def plot_filters(layer_or_weights, channel=None, max_filters=64, ncols=8, title=None,
                 to_file=None, dpi=100, words=None):
    """The kernels of a 2D convolution, one small image per filter.

    A first layer's 3x3 filters are the patterns it looks for: a bright row over a dark
    row finds horizontal edges, and so on. All filters share one colour scale centred on
    0 (red positive, blue negative, white 0) so that their strengths can be compared; a
    colour bar gives the values.

    Args:
        layer_or_weights: a ``Conv2D`` layer (built), or its kernel as an array of shape
            ``(KH, KW, C_in, filters)`` (Keras' layout, whatever the ``data_format``).
        channel: which input channel to draw. Default: the only one when ``C_in`` is 1,
            the three as colours when ``C_in`` is 3 (then each filter is scaled to [0, 1]
            on its own), otherwise channel 0.
        max_filters: draw at most the first ``max_filters`` filters.
        ncols: panels per row.
        title: the figure's title; default says the layer, the count and the size.
        to_file: save the figure there too.
        dpi: resolution of the saved file.
        words: the figure's own words in another language (keys ``weight``,
            ``filters_title``, ``input_channel``, ``rgb_channels``; see
            ``minikeras.utils.plotting.words``).

    Returns:
        The Figure: one image panel per filter (titled with the filter's number), and the
        colour bar's axes when the filters are drawn in one channel.

    Raises:
        ValueError: a kernel that is not 4D, or a channel out of range.

    Example:
        >>> kernel = np.zeros((3, 3, 1, 4)); kernel[0, :, 0, 0] = 1.0
        >>> fig = plot_filters(kernel)
        >>> [ax.get_title() for ax in fig.axes[:4]]
        ['0', '1', '2', '3']
    """
    name = getattr(layer_or_weights, "name", None)
    if hasattr(layer_or_weights, "get_weights"):
        weights = layer_or_weights.get_weights()
        if not weights:
            raise ValueError(f"plot_filters: layer {name!r} has no weights yet (build it or call it first).")
        kernel = np.asarray(weights[0])
    else:
        kernel = np.asarray(layer_or_weights)
    if kernel.ndim != 4:
        raise ValueError(
            "plot_filters expects a 2D convolution kernel of shape (KH, KW, C_in, filters); "
            f"received shape {kernel.shape}" + (f" from layer {name!r}." if name else ".")
        )
    kh, kw, c_in, filters = kernel.shape
    if channel is not None and not 0 <= channel < c_in:
        raise ValueError(f"plot_filters: channel must be in [0, {c_in}); received {channel}.")
    colour = channel is None and c_in == 3
    if channel is None:
        channel = 0
    count = min(filters, max_filters)
    rows, cols = grid(count, ncols)
    say = Words(words, "plot_filters")
    plt = pyplot()
    figure, axes = plt.subplots(rows, cols, squeeze=False, layout="constrained",
                                figsize=(1.1 * cols + 1.2, 1.2 * rows + 0.6))
    limit = float(np.abs(kernel[:, :, channel, :count]).max()) or 1.0
    image = None
    for f, ax in enumerate(axes.ravel()):
        ax.set_xticks([])
        ax.set_yticks([])
        if f >= count:
            ax.remove()
            continue
        if colour:
            rgb = kernel[:, :, :, f]
            span = rgb.max() - rgb.min()
            ax.imshow((rgb - rgb.min()) / (span if span > 0 else 1.0))
        else:
            image = ax.imshow(kernel[:, :, channel, f], cmap="RdBu_r", vmin=-limit, vmax=limit)
        ax.set_title(str(f), fontsize=9)
    if title is None:
        shown = say("rgb_channels") if colour else say("input_channel", channel=channel, channels=c_in)
        title = (f"{name + ': ' if name else ''}"
                 + say("filters_title", count=count, filters=filters, kh=kh, kw=kw, shown=shown))
    figure.suptitle(title)
    if image is not None:
        figure.colorbar(image, ax=axes.ravel()[:count].tolist(), shrink=0.8, label=say("weight"))
    save_figure(figure, to_file, dpi)
    return figure


# --------------------------------------------------------------------------------------
# plot_feature_maps
# --------------------------------------------------------------------------------------

def _layer_outputs(model, image, layer_names):
    """{layer name: its output for ``image`` (1, ...)} for the named layers of ``model``."""
    from minikeras.models import Model  # here, not at the top: models import utils

    if layer_names is None:
        # Dropout passes its input through unchanged at inference: its maps would repeat.
        layers = [layer for layer in model.layers
                  if len(layer.output_shape) == 4 and "Dropout" not in type(layer).__name__]
        if not layers:
            raise ValueError(
                f"plot_feature_maps: model {model.name!r} has no layer with a 4D output "
                "(batch, height, width, channels) to draw; name the layers with layer_names."
            )
    else:
        layers = [model.get_layer(name) for name in layer_names]
    extractor = Model(inputs=model.input, outputs=[layer.output for layer in layers])
    outputs = extractor.predict(image, verbose=0)
    if not isinstance(outputs, (list, tuple)):
        outputs = [outputs]
    formats = [getattr(layer, "data_format", None) for layer in layers]
    return [layer.name for layer in layers], [np.asarray(o) for o in outputs], formats


def plot_feature_maps(model_or_layer_outputs, x=None, layer_names=None, max_maps=16, ncols=8,
                      data_format=None, cmap="viridis", to_file=None, dpi=100, words=None):
    """What each layer computes from one image: every channel of its output as a picture.

    A convolution's output has one map per filter: bright where the filter's pattern is
    in the image. Deeper layers give smaller maps (pooling halves them) of more abstract
    patterns. Each map has its own colour scale (its brightest point is its maximum).

    Args:
        model_or_layer_outputs: a model (``Sequential`` or functional) whose layers are run
            on ``x``; or already computed outputs: a dict ``{name: array}`` or a list of
            arrays, each of shape ``(1, OH, OW, C)`` or ``(OH, OW, C)`` (channels first
            with ``data_format='channels_first'``).
        x: one input image, shape ``(H, W, C)`` or ``(1, H, W, C)`` (or the model's
            channels-first layout). Required with a model; with outputs it is optional
            and, when given, drawn first.
        layer_names: with a model, the layers to draw (default: every layer whose output
            is 4D: the convolutions and poolings, without Dropout layers, which repeat
            their input at inference); with a dict, a selection of its keys.
        max_maps: draw at most the first ``max_maps`` channels of each layer.
        ncols: panels per row.
        data_format: layout of given outputs, default ``K.image_data_format()``; a model's
            layers say their own.
        cmap: matplotlib colour map of the maps.
        to_file: save the figure there too.
        dpi: resolution of the saved file.
        words: the figure's own words in another language (keys ``input``, ``first_maps``,
            ``output``; see ``minikeras.utils.plotting.words``).

    Returns:
        The Figure: the input image (if known) in the first row, then for each layer one
        or more rows of maps; each map's panel is titled with its channel number, the
        first panel of each layer names the layer and its output shape.

    Raises:
        ValueError: no image with a model, an image batch of more than one, an output
            that is not 4D (or 3D without the batch), or an unknown layer name.

    Example:
        >>> maps = {"conv": np.random.rand(1, 6, 6, 3)}
        >>> fig = plot_feature_maps(maps)
        >>> [ax.get_title() for ax in fig.axes]
        ['0', '1', '2']
        >>> fig.axes[0].get_ylabel()
        'conv\\n6x6x3'
    """
    from minikeras import backend as K

    say = Words(words, "plot_feature_maps")
    image = None
    if x is not None:
        image = np.asarray(x, dtype="float32")
        if image.ndim in (2, 3):
            image = image[None] if image.ndim == 3 else image[None, :, :, None]
        if image.ndim != 4 or image.shape[0] != 1:
            raise ValueError(
                "plot_feature_maps draws the maps of ONE image: x must have shape (H, W, C) or "
                f"(1, H, W, C); received shape {np.shape(x)}."
            )
    if isinstance(model_or_layer_outputs, dict):
        names = list(layer_names or model_or_layer_outputs)
        unknown = [n for n in names if n not in model_or_layer_outputs]
        if unknown:
            raise ValueError(f"plot_feature_maps: no outputs named {unknown}; "
                             f"received {list(model_or_layer_outputs)}.")
        outputs = [np.asarray(model_or_layer_outputs[n]) for n in names]
        formats = [data_format] * len(names)
    elif isinstance(model_or_layer_outputs, (list, tuple)):
        outputs = [np.asarray(o) for o in model_or_layer_outputs]
        names = list(layer_names or [say("output", index=i) for i in range(len(outputs))])
        formats = [data_format] * len(names)
    elif hasattr(model_or_layer_outputs, "layers"):
        if image is None:
            raise ValueError("plot_feature_maps: with a model, x (the image to run it on) is required.")
        names, outputs, formats = _layer_outputs(model_or_layer_outputs, image, layer_names)
    else:
        raise TypeError(
            "plot_feature_maps expects a model, a dict {name: output} or a list of outputs; "
            f"received {type(model_or_layer_outputs).__name__}."
        )
    maps = []
    for name, output, layout in zip(names, outputs, formats):
        if output.ndim == 3:
            output = output[None]
        if output.ndim != 4 or output.shape[0] != 1:
            raise ValueError(
                f"plot_feature_maps: the output of {name!r} must have shape (1, OH, OW, C) or "
                f"(OH, OW, C); received shape {output.shape}."
            )
        if (layout or K.image_data_format()) == "channels_first":
            output = np.moveaxis(output, 1, -1)
        maps.append(output[0])

    # One block of rows per layer (the input image is a block of one panel).
    blocks = ([("input", image[0] if image.shape[-1] in (1, 3) else np.moveaxis(image[0], 0, -1), 1)]
              if image is not None else [])
    blocks += [(name, m, min(m.shape[-1], max_maps)) for name, m in zip(names, maps)]
    cols = max(1, min(ncols, max(count for _, _, count in blocks)))
    rows = sum(math.ceil(count / cols) for _, _, count in blocks)
    plt = pyplot()
    figure, axes = plt.subplots(rows, cols, squeeze=False, layout="constrained",
                                figsize=(1.3 * cols + 1.0, 1.35 * rows + 0.3))
    row = 0
    for name, values, count in blocks:
        block_rows = math.ceil(count / cols)
        for i, ax in enumerate(axes[row:row + block_rows].ravel()):
            if i >= count:
                ax.remove()
                continue
            ax.set_xticks([])
            ax.set_yticks([])
            if name == "input" and image is not None and values is blocks[0][1]:
                ax.imshow(values.squeeze(-1) if values.shape[-1] == 1 else values, cmap="gray_r")
                ax.set_ylabel(f"{say('input')}\n{'x'.join(map(str, values.shape))}", fontsize=8)
                continue
            ax.imshow(values[:, :, i], cmap=cmap)
            ax.set_title(str(i), fontsize=8)
            if i == 0:
                shown = "" if count == values.shape[-1] else "\n" + say("first_maps", count=count)
                ax.set_ylabel(f"{name}\n{'x'.join(map(str, values.shape))}{shown}", fontsize=8)
        row += block_rows
    save_figure(figure, to_file, dpi)
    return figure
