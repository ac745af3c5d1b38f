"""Test-wide settings: where the tests find MNIST, set exactly as a classroom would set it.

The package knows nothing of this workplace. The tests reach the real MNIST files beside the
repository (``../shared/datasets/mnist``) through the documented setting a user has,
``MINIKERAS_DATASETS_ORIGIN``, unless the caller already set it. Subprocesses (the tutorials'
quick runs) inherit it.

No test writes into the user's own cache (``~/.minikeras``): the session, and the tutorials it
runs in subprocesses, use a fresh temporary ``MINIKERAS_HOME``, removed at the end.

A run started in the background of a non-interactive shell (``pytest &``) inherits Ctrl-C
(SIGINT) ignored, and Python then installs no KeyboardInterrupt for it: the tests of Ctrl-C
(in this process, and in the processes it starts, which inherit the setting) get Python's
own handler back.
"""
import atexit
import os
import shutil
import signal
import tempfile

if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED_MNIST = os.path.join(os.path.dirname(ROOT), "shared", "datasets", "mnist")

if "MINIKERAS_DATASETS_ORIGIN" not in os.environ and os.path.isdir(SHARED_MNIST):
    os.environ["MINIKERAS_DATASETS_ORIGIN"] = SHARED_MNIST

_SESSION_HOME = tempfile.mkdtemp(prefix="minikeras-test-home-")
os.environ["MINIKERAS_HOME"] = _SESSION_HOME
atexit.register(shutil.rmtree, _SESSION_HOME, True)
