"""Choose which kernels operations run: the compiled Cython loops or their Python twins.

    >>> import minikeras
    >>> minikeras.kernels.use("reference")       # every layer now runs plain Python loops
    >>> with minikeras.kernels.using("cython"):  # ... except inside this block
    ...     pass
"""
from minikeras._kernels import BACKENDS, current_backend, use, using

__all__ = ["BACKENDS", "current_backend", "use", "using"]
