"""The models modules import each other without a cycle, and each one imports alone.

A cycle hidden in function-level imports still ties the modules together (one cannot be
read, tested or moved without the others), so the graph below counts every import
statement of a module, at the top or inside a function.
"""
import ast
import pathlib
import subprocess
import sys

import pytest

import minikeras.models

MODELS_DIR = pathlib.Path(minikeras.models.__file__).parent
MODULES = sorted(p.stem for p in MODELS_DIR.glob("*.py") if p.stem != "__init__")
PACKAGES = sorted(p.name for p in MODELS_DIR.iterdir() if (p / "__init__.py").is_file())


def _files_of(name):
    """A module is its file; a subpackage (``saving/``) counts as one node: all its files."""
    folder = MODELS_DIR / name
    return sorted(folder.glob("*.py")) if folder.is_dir() else [MODELS_DIR / f"{name}.py"]


def _imported_models_modules(path):
    """The ``minikeras.models.X`` modules that the file imports anywhere in its body."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith("minikeras.models."):
                found.add(node.module.split(".")[2])
            elif node.module == "minikeras.models":
                found.update(alias.name for alias in node.names if alias.name in MODULES + PACKAGES)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("minikeras.models."):
                    found.add(alias.name.split(".")[2])
    return found


def test_the_models_import_graph_has_no_cycle():
    graph = {name: set().union(*(_imported_models_modules(f) for f in _files_of(name))) - {name}
             for name in MODULES + PACKAGES}
    state = {}

    def visit(name, path):
        if state.get(name) == "done":
            return
        if state.get(name) == "open":
            cycle = path[path.index(name):] + [name]
            pytest.fail(f"import cycle among the models modules: {' -> '.join(cycle)}")
        state[name] = "open"
        for imported in sorted(graph[name]):
            visit(imported, path + [name])
        state[name] = "done"

    for name in MODULES + PACKAGES:
        visit(name, [])


def test_the_graph_walk_sees_the_function_level_imports():
    # The check above must be able to fail: functional.py imports saving inside methods.
    assert "saving" in _imported_models_modules(MODELS_DIR / "functional.py")


def test_each_models_module_imports_alone_in_a_fresh_interpreter():
    # One interpreter per module, started together (each import costs ~1 s of start-up).
    runs = {
        name: subprocess.Popen([sys.executable, "-c", f"import minikeras.models.{name}"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               cwd=str(MODELS_DIR.parent.parent))
        for name in MODULES + PACKAGES
    }
    failures = {}
    for name, run in runs.items():
        _, stderr = run.communicate(timeout=300)
        if run.returncode != 0:
            failures[name] = stderr.strip().splitlines()[-1:]
    assert not failures, failures
