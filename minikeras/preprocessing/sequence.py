"""``pad_sequences``: lists of different lengths made into one rectangular array (Keras 2).

Text and other token streams come as lists of unequal length; a batch needs one length.
``pad_sequences`` cuts the long ones and fills the short ones with ``value`` (0, the index an
``Embedding(mask_zero=True)`` treats as "no token"), by default at the front, so that the
real tokens sit next to the last time step a recurrent layer reads.
"""
import numpy as np

__all__ = ["pad_sequences"]

_SIDES = ("pre", "post")


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.0):
    """Pad and truncate a list of sequences to one length, as Keras 2 does.

    Args:
        sequences: a list (or array) of ``n`` sequences; each is a list or array of tokens
            (numbers, or arrays of one common shape ``s``).
        maxlen: the length of the result; ``None`` means the longest sequence's length.
        dtype: the dtype of the result (``'int32'`` by default, as in Keras).
        padding: ``'pre'`` fills before the tokens, ``'post'`` after them.
        truncating: ``'pre'`` drops tokens from the front of a long sequence (keeps its last
            ``maxlen``), ``'post'`` from its end (keeps its first ``maxlen``).
        value: the filler.

    Returns:
        an array of shape ``(n, maxlen) + s``.

    Example:
        >>> pad_sequences([[1, 2, 3], [4, 5], [6]], maxlen=2)
        array([[2, 3],
               [4, 5],
               [0, 6]], dtype=int32)
        >>> pad_sequences([[1, 2, 3], [6]], padding='post', truncating='post', maxlen=2)
        array([[1, 2],
               [6, 0]], dtype=int32)
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError(f"pad_sequences: `sequences` must be a list of sequences; received "
                         f"{type(sequences).__name__}.")
    if padding not in _SIDES:
        raise ValueError(f"pad_sequences: padding must be 'pre' or 'post'; received {padding!r}.")
    if truncating not in _SIDES:
        raise ValueError(f"pad_sequences: truncating must be 'pre' or 'post'; received "
                         f"{truncating!r}.")
    lengths, sample_shape = [], None
    for sequence in sequences:
        if not hasattr(sequence, "__len__"):
            raise ValueError(f"pad_sequences: `sequences` must be a list of sequences; found an "
                             f"element that is not one: {sequence!r}.")
        lengths.append(len(sequence))
        if sample_shape is None and len(sequence):
            sample_shape = np.asarray(sequence).shape[1:]
    sample_shape = () if sample_shape is None else sample_shape
    if maxlen is None:
        maxlen = max(lengths, default=0)
    if isinstance(maxlen, bool) or int(maxlen) != maxlen or maxlen < 0:
        raise ValueError(f"pad_sequences: maxlen must be a whole number >= 0 or None; received "
                         f"{maxlen!r}.")
    maxlen = int(maxlen)
    text_dtype = np.issubdtype(np.dtype(dtype), np.str_) or np.dtype(dtype) == object
    if isinstance(value, str) and not text_dtype:
        raise ValueError(f"pad_sequences: dtype {dtype!r} cannot hold the text value {value!r}; "
                         f"use dtype=object.")
    result = np.full((len(lengths), maxlen) + sample_shape, value, dtype=dtype)
    for row, sequence in enumerate(sequences):
        if not len(sequence) or maxlen == 0:
            continue
        kept = sequence[-maxlen:] if truncating == "pre" else sequence[:maxlen]
        kept = np.asarray(kept, dtype=dtype)
        if kept.shape[1:] != sample_shape:
            raise ValueError(f"pad_sequences: sequence {row} has tokens of shape {kept.shape[1:]}, "
                             f"unlike the others' {sample_shape}.")
        if padding == "post":
            result[row, :len(kept)] = kept
        else:
            result[row, maxlen - len(kept):] = kept
    return result
