"""The package's layers (README, Layout): data flows one way.

``base`` (errors, paths, atomic) < ``vocab`` < ``data`` < ``analysis`` < ``figures`` <
``chapters`` < ``run``. A module imports modules of its own layer or below, never above, and no
two modules import each other, directly or in a ring. Imports are read with ``ast`` from the
source, including the ones inside functions (a late import is still a dependency).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "imetbook"
LAYERS = ("base", "vocab", "data", "analysis", "figures", "chapters", "run")
BASE = {"errors", "paths", "atomic", "__init__", "__main__"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> str:
    """The layer of a module ``imetbook.<top>...``."""
    top = module.split(".")[1] if "." in module else "__init__"
    if top in BASE:
        return "base" if top != "__main__" else "run"
    if top not in LAYERS:
        raise AssertionError(f"{module}: in no layer; add it to one (tests/test_layers.py)")
    return top


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(path: Path, known: set[str]) -> set[str]:
    """The package modules ``path`` imports (``from imetbook.x import y`` counts ``imetbook.x.y``
    when that is a module, else ``imetbook.x``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("imetbook")}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("imetbook"):
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in known else node.module)
    return {m for m in found if m in known and m != "imetbook"}


def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {m: imports(p, known) - {m} for m, p in found.items()}


def test_every_module_is_in_a_layer():
    for module in modules():
        if module != "imetbook":
            assert layer(module) in LAYERS


def test_no_import_goes_up_a_layer():
    upward = [
        f"{m} ({layer(m)}) imports {d} ({layer(d)})"
        for m, deps in sorted(graph().items())
        for d in sorted(deps)
        if m != "imetbook" and LAYERS.index(layer(d)) > LAYERS.index(layer(m))
    ]
    assert not upward, "upward imports:\n  " + "\n  ".join(upward)


def test_no_import_cycle():
    edges = graph()
    cycles: list[str] = []

    def visit(node: str, stack: list[str], done: set[str]) -> None:
        for dep in sorted(edges.get(node, ())):
            if dep in stack:
                cycles.append(" -> ".join([*stack[stack.index(dep) :], dep]))
            elif dep not in done:
                visit(dep, [*stack, dep], done)
        done.add(node)

    done: set[str] = set()
    for start in sorted(edges):
        if start not in done:
            visit(start, [start], done)
    assert not cycles, "import cycles:\n  " + "\n  ".join(sorted(set(cycles)))


@pytest.mark.parametrize("module", ["imetbook.data.datasets", "imetbook.vocab"])
def test_the_checker_sees_a_planted_upward_import(module, tmp_path):
    # The walk must notice a late import inside a function, the kind that hid the old cycle.
    path = tmp_path / "m.py"
    path.write_text("def f():\n    from imetbook.run import execute\n", encoding="utf-8")
    known = set(modules())
    assert imports(path, known) == {"imetbook.run.execute"}
    assert LAYERS.index(layer("imetbook.run.execute")) > LAYERS.index(layer(module))
