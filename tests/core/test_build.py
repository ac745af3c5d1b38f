"""The package's build contract: compiled kernels present, and a clear error when they are not."""
import glob
import os
import subprocess
import sys
import textwrap

import minikeras._kernels as kernels_package


def test_every_kernel_family_is_compiled():
    names = {module.__name__.rsplit(".", 1)[1] for module in kernels_package._compiled}
    sources = {os.path.splitext(os.path.basename(p))[0]
               for p in glob.glob(os.path.join(os.path.dirname(kernels_package.__file__), "*.pyx"))}
    assert {"conv", "padding", "upsampling", "pooling"} <= sources
    assert names == sources
    for module in kernels_package._compiled:
        assert not module.__file__.endswith(".py"), module.__file__


def test_missing_extensions_give_an_error_that_says_how_to_build_them():
    # Pretend the compiled modules are absent by making their import fail, in a fresh interpreter.
    script = textwrap.dedent("""
        import builtins, importlib
        real_import = importlib.import_module
        def fake_import(name, *args, **kwargs):
            if name.startswith("minikeras._kernels.") and not name.endswith("reference"):
                raise ImportError("no compiled module " + name)
            return real_import(name, *args, **kwargs)
        importlib.import_module = fake_import
        try:
            import minikeras
        except ImportError as error:
            print(error)
        else:
            print("imported without error")
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert "compiled kernels are not built" in result.stdout, result.stdout + result.stderr
    assert 'pip install -e ".[test]"' in result.stdout
    assert "minikeras._kernels.conv" in result.stdout
