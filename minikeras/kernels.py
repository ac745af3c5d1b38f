"""Choose which kernels operations run: the compiled Cython loops or their Python twins.

``use("reference")`` switches every layer and operation to the plain-Python twins in
``minikeras/_kernels/reference.py`` until ``use("cython")``; as a ``with`` block (or
``using(...)``) the previous backend comes back at the end of the block:

    >>> import numpy as np
    >>> from minikeras import kernels, layers
    >>> pool = layers.MaxPooling2D()
    >>> x = np.arange(16.0).reshape(1, 4, 4, 1)
    >>> with kernels.use("reference"):    # plain Python loops inside the block
    ...     slow = pool(x)
    >>> fast = pool(x)                     # the compiled loops again
    >>> bool(np.array_equal(slow.numpy(), fast.numpy())), kernels.current_backend()
    (True, 'cython')
"""
from minikeras._kernels import BACKENDS, current_backend, use, using

__all__ = ["BACKENDS", "current_backend", "use", "using"]
