"""The words the plotting helpers write into their figures, and how to choose them.

A helper's figure holds two kinds of text. The caller's: the data's names (class names, layer
names), the titles passed in. And the helper's own words: axis labels (``epoch``, ``predicted
class``), legend entries (``training``, ``validation``), each sample's caption (``pred 3
(97%)``), the default titles. The helper's own words all come from one table, ``ENGLISH``
below, looked up by key, so that a figure can be drawn in another language without changing
the helpers:

* ``words={...}``, an argument of every helper, changes some words for one figure;
* ``set_words({...})`` changes them for every later figure (the Korean lessons set Korean
  words in ``tutorials/ko/lesson_setup.py``); ``set_words(None)`` brings the English back;
  ``get_words()`` returns the table in use.

An entry is a format string whose ``{fields}`` the helper fills in (``"pred {name}"``, with
``name`` the predicted class). An entry that depends on a count is a pair ``(singular,
plural)`` chosen by its field ``n``: ``("{n} operation", "{n} operations")``; a language
without plurals gives one string. The entry ``"metrics"`` renames quantities in
``plot_history`` (its panels' titles and y axes): ``{"loss": "Verlust"}``; a quantity it does
not name is drawn under its own name.

Example:
    >>> from minikeras.utils import plotting
    >>> korean = {"epoch": "에폭", "metrics": {"loss": "손실"}}
    >>> figure = plotting.plot_history({"loss": [0.9, 0.4]}, words=korean)
    >>> figure.axes[0].get_xlabel(), figure.axes[0].get_title()
    ('에폭', '손실')
    >>> plotting.get_words()["epoch"]  # one figure's words change nothing else
    'epoch'
"""
import string

__all__ = ["ENGLISH", "set_words", "get_words"]

ENGLISH = {
    # plot_history
    "epoch": "epoch",                                  # the x axis
    "training": "training",                            # the legend: the training curve...
    "validation": "validation",                        # ...and its val_ twin
    "metrics": {},                                     # {quantity: the name drawn for it}
    # plot_samples: each image's caption, and the default title
    "predicted": "pred {name}",
    "predicted_with_confidence": "pred {name} ({percent:.0f}%)",
    "true": "true {name}",
    "wrong_title": "{wrong} of {count} wrong (in red)",
    # plot_confusion_matrix
    "predicted_class": "predicted class",              # the x axis
    "true_class": "true class",                        # the y axis
    "images": "images",                                # the colour bar of counts
    "row_fraction": "fraction of the row",             # the colour bar with normalize=True
    "accuracy_title": "accuracy {percent:.1f} % ({right} of {count})",
    # plot_filters
    "weight": "weight",                                # the colour bar
    "filters_title": "{count} of {filters} filters, {kh}x{kw} ({shown})",
    "input_channel": "input channel {channel} of {channels}",
    "rgb_channels": "colour = the 3 input channels",
    # plot_feature_maps
    "input": "input",                                  # the input image's row
    "first_maps": "(first {count})",                   # under a layer's name when maps are left out
    "output": "output {index}",                        # a layer's name when outputs come as a list
    # plot_tape
    "tape_title": "GradientTape: {operations}, {variables}",
    "operations": ("{n} operation", "{n} operations"),
    "watched_variables": ("{n} watched variable", "{n} watched variables"),
    "target": "target",
    "const": "const",
    "left_out": "(left out)",
    "left_out_note": ("{n} earlier operation left out (max_ops={max_ops}); "
                      "a red dashed box stands for its output",
                      "{n} earlier operations left out (max_ops={max_ops}); "
                      "red dashed boxes stand for their outputs"),
    "unrelated_note": ("{n} recorded operation does not lead to the target and is not drawn",
                       "{n} recorded operations do not lead to the target and are not drawn"),
    "tape_legend": ("orange *: watched variable, green: watched tensor, grey: constant; "
                    "arrows: tensors with their shapes"),
}

_chosen = {}  # what set_words changed


def _fields(entry):
    texts = entry if isinstance(entry, tuple) else (entry,)
    return {name for text in texts for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _checked(words, function):
    """``words`` as a dict of valid entries, or a clear error naming ``function``."""
    if words is None:
        return {}
    if not isinstance(words, dict):
        raise TypeError(f"{function}: words must be a dict {{key: text}}; received {type(words).__name__}.")
    checked = {}
    for key, entry in words.items():
        if key not in ENGLISH:
            raise ValueError(f"{function}: unknown words key {key!r}; the keys are {', '.join(ENGLISH)}.")
        if key == "metrics":
            if not isinstance(entry, dict) or not all(isinstance(v, str) for v in entry.values()):
                raise TypeError(f"{function}: words['metrics'] must be a dict {{quantity: name}} of "
                                f"strings; received {entry!r:.80}.")
            checked[key] = dict(entry)
            continue
        plural = isinstance(ENGLISH[key], tuple)
        if isinstance(entry, list):
            entry = tuple(entry)
        valid = isinstance(entry, str) or (
            plural and isinstance(entry, tuple) and len(entry) == 2
            and all(isinstance(text, str) for text in entry))
        if not valid:
            expected = "a string or a pair (singular, plural) of strings" if plural else "a string"
            raise TypeError(f"{function}: words[{key!r}] must be {expected}; received {entry!r:.80}.")
        try:
            unknown = _fields(entry) - _fields(ENGLISH[key])
        except ValueError as error:  # an unclosed brace
            raise ValueError(f"{function}: words[{key!r}] is not a valid format string ({error}); "
                             f"received {entry!r}.") from None
        if unknown:
            given = ", ".join(f"{{{name}}}" for name in sorted(_fields(ENGLISH[key]))) or "none"
            used = ", ".join(f"{{{name}}}" for name in sorted(unknown))
            raise ValueError(f"{function}: words[{key!r}] uses {used}, which the figure does not fill "
                             f"in; its fields: {given}.")
        checked[key] = entry
    return checked


def set_words(words=None):
    """Choose the words of every figure drawn from now on.

    Args:
        words: a dict of entries of ``ENGLISH`` to change (the others stay English), e.g.
            ``{"epoch": "에폭", "training": "훈련"}``; None brings back the English table.

    Raises:
        ValueError: an unknown key, or a field that the figure does not fill in.
        TypeError: an entry that is not a string (or a pair of strings where a count decides).
    """
    global _chosen
    _chosen = _checked(words, "set_words")


def get_words():
    """The table in use: ``ENGLISH`` with what ``set_words`` changed (a copy)."""
    table = dict(ENGLISH, **_chosen)
    table["metrics"] = dict(table["metrics"])
    return table


class Words:
    """The words of one figure: ``say(key, **fields)`` gives an entry filled in.

    Example:
        >>> say = Words({"true": "정답 {name}"}, "plot_samples")
        >>> say("true", name=7), say("predicted", name=1), say("operations", n=1)
        ('정답 7', 'pred 1', '1 operation')
    """

    def __init__(self, words=None, function="plotting"):
        chosen = _checked(words, function)
        self.table = get_words()
        self.table["metrics"].update(chosen.pop("metrics", {}))
        self.table.update(chosen)

    def __call__(self, key, **fields):
        entry = self.table[key]
        if isinstance(entry, tuple):
            entry = entry[0] if fields["n"] == 1 else entry[1]
        return entry.format(**fields)

    def metric(self, name):
        """The name drawn for the quantity ``name`` (``name`` itself unless renamed)."""
        return self.table["metrics"].get(name, name)
