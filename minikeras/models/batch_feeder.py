"""Batches from a Python generator or a ``Sequence``, read ahead by worker threads or processes.

``fit_generator`` (and ``fit(x=Sequence)``) train on data that never sits in memory as one
array: a Python generator that yields ``(x, y)`` batches forever, or a ``Sequence`` that
gives batch ``i`` on request. While the model computes one step, workers prepare the next
batches and keep up to ``max_queue_size`` of them ready (Keras 2's enqueuers)::

    feeder = BatchFeeder(source, workers=2, use_multiprocessing=False, max_queue_size=10,
                         shuffle=True)
    for epoch in ...:
        for batch in feeder.epoch(steps):      # steps batches, in order
            ...
    feeder.close()

* ``workers=0``: no worker; each batch is read in the main thread when it is needed.
* A ``Sequence`` (anything with ``__len__`` and ``__getitem__``): an epoch asks for the
  indices ``0 .. len - 1`` (shuffled if ``shuffle``), each batch exactly once, results in
  that order; ``on_epoch_end()`` is called after each epoch. Threads, or with
  ``use_multiprocessing=True`` a pool of processes (started with ``fork``, as Keras 2 does on
  Linux, so the Sequence need not be picklable).
* A Python generator: one stream of batches across all epochs. Generators are not
  thread-safe, so workers take turns calling ``next`` under a lock (batches may then arrive
  out of order). A generator cannot be shared between processes (each would run its own
  copy and repeat the data), so ``use_multiprocessing=True`` warns and uses threads.
"""
import collections
import concurrent.futures
import multiprocessing
import queue
import threading
import warnings

import numpy as np

__all__ = ["BatchFeeder", "is_sequence", "is_generator", "GeneratorExhausted"]


class GeneratorExhausted(Exception):
    """The generator stopped before giving all the batches that were asked for."""


def is_sequence(data):
    """A ``Sequence``: batches by index (``__len__`` + ``__getitem__``), not an array or a list."""
    if getattr(data, "use_sequence_api", False):
        return True
    if isinstance(data, (np.ndarray, list, tuple, dict, str, bytes)) or hasattr(data, "shape"):
        return False
    return hasattr(data, "__len__") and hasattr(data, "__getitem__")


def is_generator(data):
    """A Python generator or any other iterator (it has ``__next__``)."""
    return hasattr(data, "__next__") and hasattr(data, "__iter__")


# A Sequence given to a process pool: the workers, forked from this process, find it here by
# its key (Keras 2's _SHARED_SEQUENCES), so it never needs to be pickled.
_SHARED_SEQUENCES = {}


def _item_of_shared(key, index):
    return _SHARED_SEQUENCES[key][index]


class BatchFeeder:
    """Reads batches ahead of the training loop (see the module docstring).

    Args:
        source: a ``Sequence`` or a Python generator.
        workers: the number of threads (or processes) reading ahead; 0 reads in the caller.
        use_multiprocessing: processes instead of threads (Sequence only).
        max_queue_size: how many batches may wait, ready, at most.
        shuffle: visit a Sequence's batches in a new random order each epoch.

    Raises:
        ValueError: for a negative ``workers`` or a ``max_queue_size`` below 1.
    """

    def __init__(self, source, workers=1, use_multiprocessing=False, max_queue_size=10, shuffle=False):
        if not isinstance(workers, (int, np.integer)) or isinstance(workers, bool) or workers < 0:
            raise ValueError(f"workers must be an integer >= 0, received {workers!r}.")
        if not isinstance(max_queue_size, (int, np.integer)) or max_queue_size < 1:
            raise ValueError(f"max_queue_size must be an integer >= 1, received {max_queue_size!r}.")
        self.source = source
        self.sequence = is_sequence(source)
        self.workers = int(workers)
        self.max_queue_size = int(max_queue_size)
        self.shuffle = shuffle
        self._pool = None
        self._key = None
        self._thread_pool = None
        self._stream = None
        if not self.sequence and use_multiprocessing and self.workers > 0:
            warnings.warn(
                "use_multiprocessing=True with a Python generator: a generator cannot be shared "
                "between processes (each would run its own copy and repeat the data), so its "
                "batches are read by threads. Use a Sequence to read batches in processes.",
                UserWarning, stacklevel=3)
        self.use_multiprocessing = bool(use_multiprocessing) and self.sequence

    # --- a Sequence -------------------------------------------------------------------------
    def _indices(self, steps):
        length = len(self.source)
        if length <= 0:
            raise ValueError(f"The Sequence {type(self.source).__name__} has no batches (len() is {length}).")
        order = np.arange(length)
        if self.shuffle:
            np.random.shuffle(order)
        return [int(order[i % length]) for i in range(steps)]

    def _sequence_epoch(self, steps):
        indices = self._indices(steps)
        if self.workers == 0:
            for index in indices:
                yield index, self.source[index]
        else:
            submit = self._submitter()
            pending = collections.deque()
            upcoming = iter(indices)
            for index in upcoming:
                pending.append((index, submit(index)))
                if len(pending) >= self.max_queue_size:
                    break
            while pending:
                index, future = pending.popleft()
                for following in upcoming:
                    pending.append((following, submit(following)))
                    break
                yield index, future.result()
        if hasattr(self.source, "on_epoch_end"):
            self.source.on_epoch_end()

    def _submitter(self):
        if self.use_multiprocessing:
            if self._pool is None:
                try:
                    context = multiprocessing.get_context("fork")
                except ValueError:
                    raise NotImplementedError(
                        "use_multiprocessing=True needs the 'fork' start method (Linux); on this "
                        "platform use threads (use_multiprocessing=False)."
                    ) from None
                self._key = id(self)
                _SHARED_SEQUENCES[self._key] = self.source
                self._pool = context.Pool(self.workers)
            return lambda index: _Pending(self._pool.apply_async(_item_of_shared, (self._key, index)).get)
        if self._thread_pool is None:
            self._thread_pool = concurrent.futures.ThreadPoolExecutor(self.workers)
        return lambda index: self._thread_pool.submit(self.source.__getitem__, index)

    # --- a Python generator -----------------------------------------------------------------
    def _generator_epoch(self, steps):
        if self.workers == 0:
            for step in range(steps):
                try:
                    yield step, next(self.source)
                except StopIteration:
                    raise GeneratorExhausted(step) from None
            return
        if self._stream is None:
            self._stream = _ThreadedStream(self.source, self.workers, self.max_queue_size)
        for step in range(steps):
            yield step, self._stream.get(step)

    # --- both -------------------------------------------------------------------------------
    def epoch(self, steps):
        """``(index, batch)`` for the ``steps`` batches of one epoch (index: the Sequence
        index, or the step for a generator)."""
        return self._sequence_epoch(steps) if self.sequence else self._generator_epoch(steps)

    def close(self):
        """Stop the workers (they never outlive ``fit_generator``)."""
        if self._thread_pool is not None:
            self._thread_pool.shutdown(wait=True, cancel_futures=True)
            self._thread_pool = None
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None
            _SHARED_SEQUENCES.pop(self._key, None)
        if self._stream is not None:
            self._stream.stop()
            self._stream = None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


class _Pending:
    """A batch being read by a process, with the ``result()`` of a thread's future."""

    def __init__(self, get):
        self.result = get


class _ThreadedStream:
    """Threads that call ``next(generator)`` in turn and queue the batches."""

    def __init__(self, generator, workers, max_queue_size):
        self._generator = generator
        self._lock = threading.Lock()
        self._queue = queue.Queue(max_queue_size)
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(workers)]
        for thread in self._threads:
            thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                with self._lock:
                    item = ("batch", next(self._generator))
            except StopIteration:
                item = ("end", None)
            except Exception as error:  # raised again in the training loop, with its step
                item = ("error", error)
            while not self._stop.is_set():
                try:
                    self._queue.put(item, timeout=0.1)
                    break
                except queue.Full:
                    continue
            if item[0] != "batch":
                return

    def get(self, step):
        kind, value = self._queue.get()
        if kind == "end":
            raise GeneratorExhausted(step)
        if kind == "error":
            raise value
        return value

    def stop(self):
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
