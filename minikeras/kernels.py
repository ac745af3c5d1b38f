"""Choose which kernels operations run, see which run, and grade a set of kernels.

``use("reference")`` switches every layer and operation to the plain-Python twins in
``minikeras/_kernels/reference.py`` until ``use("cython")``; ``use(module)`` runs the
kernels a module defines (a student's own ``im2col_2d``, say) and the compiled ones for
the rest. As a ``with`` block (or ``using(...)``) the previous backend comes back at the
end of the block. ``active()`` says which implementation each kernel uses, and
``check(module)`` grades a module's kernels as the project's tests grade its own
(``minikeras/inspect/kernel_check.py``):

    >>> import numpy as np
    >>> from minikeras import kernels, layers
    >>> pool = layers.MaxPooling2D()
    >>> x = np.arange(16.0).reshape(1, 4, 4, 1)
    >>> with kernels.use("reference"):    # plain Python loops inside the block
    ...     slow = pool(x)
    ...     kernels.active()["max_pool_3d"]
    'reference'
    >>> fast = pool(x)                     # the compiled loops again
    >>> bool(np.array_equal(slow.numpy(), fast.numpy())), kernels.current_backend()
    (True, 'cython')
"""
from minikeras._kernels import BACKENDS, active, current_backend, kernel_names, use, using


def check(module, kernels=None, cases=12, seed=0):
    """Grade the kernels of ``module``; see ``minikeras.inspect.kernel_check.check``."""
    from minikeras.inspect.kernel_check import check as _check

    return _check(module, kernels=kernels, cases=cases, seed=seed)


__all__ = ["BACKENDS", "active", "check", "current_backend", "kernel_names", "use", "using"]
