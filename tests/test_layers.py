"""The engine's layers point one way, and the engine never imports Streamlit.

Lowest first: errors/i18n/files/settings < config < data < models < storage < explain
< training < analysis < cli.  A module may import its own layer and lower ones, never a
higher one -- not at module level, not inside a function (only imports under
``if TYPE_CHECKING:``, which never run, are exempt).  The checker reads the source with
:mod:`ast` (nothing is imported), so it sees imports a test run would never execute.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

#: Top-level name inside the package -> its layer (lower number = lower layer).
LAYERS: dict[str, int] = {
    "errors": 0, "i18n": 0, "files": 0, "settings": 0,
    "config": 1,
    "data": 2,
    "models": 3,
    "storage": 4,
    "explain": 5,
    "training": 6,
    "analysis": 7,
    "cli": 8,
    "__main__": 9,  # ``python -m mnist_core``: the CLI's entry point, above everything
}
FORBIDDEN = ("streamlit",)
ROOT = Path(__file__).resolve().parent.parent / "mnist_core"


def _module_name(path: Path, root: Path) -> tuple[str, str]:
    """(dotted module name, dotted package it lives in) of ``path`` under ``root``."""
    parts = (root.name,) + path.relative_to(root).with_suffix("").parts
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), ".".join(parts[:-1])
    return ".".join(parts), ".".join(parts[:-1])


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement in ``tree`` -- module level, in functions, in classes --
    except those under ``if TYPE_CHECKING:``."""
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _targets(node: ast.Import | ast.ImportFrom, package: str, root: Path) -> list[str]:
    """The absolute module names an import statement reaches (``from . import x`` names
    the submodule ``package.x`` when there is one, else an attribute of ``package``)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        base = package.split(".")
        base = base[: len(base) - (node.level - 1)]
        module = ".".join(base + ([node.module] if node.module else []))
    else:
        module = node.module or ""
    if node.module:
        return [module]
    return [_submodule(module, alias.name, root) for alias in node.names]


def _submodule(package: str, name: str, root: Path) -> str:
    folder = root.parent.joinpath(*package.split("."))
    is_module = (folder / f"{name}.py").exists() or (folder / name).is_dir()
    return f"{package}.{name}" if is_module else package


def _layer(module: str, top: str) -> int | None:
    parts = module.split(".")
    if parts[0] != top or len(parts) < 2:
        return None
    return LAYERS.get(parts[1], -1)


def violations(root: Path) -> list[str]:
    """One line per import in the package at ``root`` that reaches a higher layer,
    a module in no layer, or Streamlit."""
    top = root.name
    problems: list[str] = []
    for path in sorted(root.rglob("*.py")):
        module, package = _module_name(path, root)
        own = _layer(module, top)
        where = path.relative_to(root.parent)
        if own == -1:
            problems.append(f"{where}: {module} is in no layer (add it to LAYERS)")
            continue
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            for target in _targets(node, package, root):
                if target.split(".")[0] in FORBIDDEN:
                    problems.append(f"{where}:{node.lineno}: imports {target}")
                    continue
                layer = _layer(target, top)
                if layer == -1:
                    problems.append(f"{where}:{node.lineno}: imports {target}, which is in no layer")
                elif own is not None and layer is not None and layer > own:
                    problems.append(f"{where}:{node.lineno}: {module} imports the higher layer {target}")
    return problems


def test_the_engine_imports_only_its_own_and_lower_layers():
    assert violations(ROOT) == []


# -- the checker itself, on a tiny tree ------------------------------------------------

def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "pkg"
    for name, text in {"__init__.py": "", **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        (path.parent / "__init__.py").touch()
        path.write_text(text)
    return root


def test_a_downward_import_passes(tmp_path):
    root = _tree(tmp_path, {"storage/store.py": "from ..data import idx\nfrom pkg.errors import MnistError\n",
                            "data/idx.py": "from .. import errors\nimport numpy\n", "errors.py": ""})
    assert violations(root) == []


@pytest.mark.parametrize("source", [
    "from ..storage.store import workspace_store\n",          # relative, module level
    "def f():\n    from ..storage import store\n",           # relative, in a function
    "def f():\n    import pkg.storage.store\n",              # absolute, in a function
    "from pkg.explain import snapshots\n",                    # absolute, module level
    "from .. import storage\n",                               # a sibling package by name
    "class C:\n    def m(self):\n        from ..cli import main\n",
])
def test_an_upward_import_fails(tmp_path, source):
    root = _tree(tmp_path, {"data/handwriting.py": source, "storage/store.py": "", "cli/main.py": ""})
    problems = violations(root)
    assert len(problems) == 1 and "data/handwriting.py" in problems[0] and "higher layer" in problems[0]


def test_type_checking_imports_are_exempt_but_their_else_is_not(tmp_path):
    source = ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..storage import store\n"
              "else:\n    from ..explain import units\n")
    problems = violations(_tree(tmp_path, {"data/x.py": source}))
    assert len(problems) == 1 and "pkg.explain" in problems[0]


def test_streamlit_and_unknown_modules_fail(tmp_path):
    root = _tree(tmp_path, {"models/a.py": "def f():\n    import streamlit as st\n",
                            "gadgets.py": "", "data/b.py": "from .. import gadgets\n"})
    problems = violations(root)
    assert any("imports streamlit" in p for p in problems)
    assert any("gadgets is in no layer" in p for p in problems)
    assert any("which is in no layer" in p for p in problems)
    assert len(problems) == 3
