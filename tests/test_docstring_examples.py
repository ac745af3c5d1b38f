"""The examples in minikeras' docstrings run and print what they say (STYLE: docstrings teach)."""
import doctest
import importlib
import importlib.util
import pkgutil

import pytest

import minikeras


def _modules_with_examples():
    names = []
    for info in pkgutil.walk_packages(minikeras.__path__, prefix="minikeras."):
        origin = importlib.util.find_spec(info.name).origin
        if origin and origin.endswith(".py"):
            with open(origin, encoding="utf-8") as f:
                if ">>>" in f.read():
                    names.append(info.name)
    return sorted(names)


MODULES = _modules_with_examples()


def test_the_package_has_examples_to_run():
    assert len(MODULES) >= 30


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    try:
        module = importlib.import_module(name)
    except ImportError as error:
        if 'pip install "minikeras[' not in str(error):
            raise
        pytest.skip(f"{name} needs an optional extra that is not installed: {error}")
    found = sum(len(test.examples) for test in doctest.DocTestFinder().find(module))
    assert found > 0, f"{name} has '>>>' in its source but doctest found no example"
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} docstring examples failed in {name}"
