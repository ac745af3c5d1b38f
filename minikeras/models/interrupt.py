"""Ctrl-C during ``fit``: stop cleanly after the current batch instead of mid-update.

``fit`` runs its epochs inside ``graceful_interrupt()``::

    with graceful_interrupt() as interrupt:
        for each batch:
            one training step
            if interrupt.requested:   # Ctrl-C was pressed during the step
                stop, and return the history of the completed epochs

A training step that a ``KeyboardInterrupt`` cut in half could leave some weights updated and
others not; checking a flag between steps never does.
"""
import contextlib
import signal
import threading

__all__ = ["graceful_interrupt"]


class _InterruptState:
    requested = False


@contextlib.contextmanager
def graceful_interrupt():
    """While ``fit`` runs, the first Ctrl-C (SIGINT) only asks training to stop after the batch.

    A second Ctrl-C raises ``KeyboardInterrupt`` at once, as usual. The previous handler is
    put back when ``fit`` ends. Signal handlers can only be set in the main thread; elsewhere
    Ctrl-C keeps its usual behaviour.
    """
    state = _InterruptState()
    if threading.current_thread() is not threading.main_thread() \
            or signal.getsignal(signal.SIGINT) is signal.SIG_IGN:  # Ctrl-C ignored: keep it so
        yield state
        return

    def handler(signum, frame):
        if state.requested:
            raise KeyboardInterrupt
        state.requested = True

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield state
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)
