"""Build the Cython kernels in minikeras/_kernels/ (metadata lives in pyproject.toml).

Every ``minikeras/_kernels/*.pyx`` becomes an extension module, compiled with ``-O3``,
NumPy's headers and the Cython directives below, set here once for all kernels.

Environment switches:
    MINIKERAS_DEBUG_KERNELS=1  turn bounds, wraparound and initialisation checks back on
                               (a debug build the tests can run against).
    MINIKERAS_NO_OPENMP=1      build without OpenMP: ``prange`` loops then run serially.
    MINIKERAS_KERNELS=a,b      build only these families (a development shortcut).
"""
import glob
import os
import subprocess
import sys
import sysconfig
import tempfile

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup

HERE = os.path.dirname(os.path.abspath(__file__))
DEBUG = os.environ.get("MINIKERAS_DEBUG_KERNELS") == "1"

DIRECTIVES = {
    "language_level": 3,
    "boundscheck": DEBUG,
    "wraparound": DEBUG,
    "initializedcheck": DEBUG,
    "cdivision": not DEBUG,
}


def compiler_supports_openmp():
    """Compile and link a tiny OpenMP program; False (serial build) if anything fails."""
    if os.environ.get("MINIKERAS_NO_OPENMP") == "1" or sys.platform == "win32":
        return False
    # The compiler setuptools will use: $CC first, as it does, then Python's own.
    compiler = (os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc").split()
    source = "#include <omp.h>\nint main(void) { return omp_get_max_threads() > 0 ? 0 : 1; }\n"
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "check_openmp.c")
        with open(path, "w") as f:
            f.write(source)
        try:
            result = subprocess.run(
                compiler + ["-fopenmp", path, "-o", os.path.join(tmp, "check_openmp")],
                capture_output=True,
            )
        except OSError:
            return False
    return result.returncode == 0


OPENMP = compiler_supports_openmp()
# No contraction of a * b + c into a fused multiply-add: the optimizer kernels round every
# product as NumPy does, so that they give NumPy's numbers to the bit.
compile_args = ["-O3", "-ffp-contract=off"] + (["-fopenmp"] if OPENMP else [])
link_args = ["-fopenmp"] if OPENMP else []
if DEBUG:
    compile_args = ["-O1", "-g"] + compile_args[1:]

extensions = [
    Extension(
        "minikeras._kernels." + os.path.splitext(os.path.basename(path))[0],
        [os.path.relpath(path, HERE)],
        include_dirs=[np.get_include()],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
        extra_compile_args=compile_args,
        extra_link_args=link_args,
    )
    for path in sorted(glob.glob(os.path.join(HERE, "minikeras", "_kernels", "*.pyx")))
]
only = os.environ.get("MINIKERAS_KERNELS")
if only:
    wanted = {f"minikeras._kernels.{name.strip()}" for name in only.split(",")}
    extensions = [e for e in extensions if e.name in wanted]



def build_mode_changed():
    """True when the last build used other directives: the generated C must then be redone.

    cythonize only compares timestamps, so switching MINIKERAS_DEBUG_KERNELS would otherwise
    reuse C files generated with the other mode's checks.
    """
    stamp = os.path.join(HERE, "build", "minikeras-kernel-mode")
    mode = "debug" if DEBUG else "release"
    previous = open(stamp).read() if os.path.exists(stamp) else None
    os.makedirs(os.path.dirname(stamp), exist_ok=True)
    with open(stamp, "w") as f:
        f.write(mode)
    return previous is not None and previous != mode


setup(ext_modules=cythonize(extensions, compiler_directives=DIRECTIVES, force=build_mode_changed()))
