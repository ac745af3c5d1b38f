"""The examples in minikeras' docstrings run and print what they say (STYLE: docstrings teach)."""
import doctest
import importlib
import pkgutil

import pytest

import minikeras

MODULES = sorted(
    info.name for info in pkgutil.walk_packages(minikeras.__path__, prefix="minikeras.")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} docstring examples failed in {name}"
