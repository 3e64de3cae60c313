"""sql_agent's subpackages import each other in one direction, so a reader can take them in order:
the safety checks need none of the others, and each later layer only what comes before it."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "sql_agent"
SHARED = {"schema", "results"}  # the shapes every layer passes around
# Each layer may import the shared shapes and the layers before it, never one after it.
LAYERS = ["safety", "execution", "answers", "grounding", "semantic", "generation", "analyses", "evaluation"]


def sql_agent_imports(path: Path) -> set[str]:
    """The first name under sql_agent of every sql_agent module `path` imports."""
    here = path.relative_to(PACKAGE).with_suffix("").parts[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(here[: len(here) - node.level + 1])
                parts = base + (node.module.split(".") if node.module else [])
                names = [parts] if node.module else [parts + [a.name] for a in node.names]
            elif node.module and node.module.startswith("sql_agent."):
                names = [node.module.split(".")[1:]]
            else:
                continue
            found.update(n[0] for n in names if n)
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("sql_agent."))
    return found


def test_the_layers_import_only_the_shared_shapes_and_earlier_layers():
    wrong = []
    for index, layer in enumerate(LAYERS):
        allowed = SHARED | set(LAYERS[: index + 1])
        for path in sorted((PACKAGE / layer).rglob("*.py")):
            for name in sql_agent_imports(path) - allowed:
                wrong.append(f"{path.relative_to(PACKAGE)} imports sql_agent.{name}")
    assert wrong == []


def test_the_shared_shapes_import_no_layer():
    for name in SHARED:
        assert sql_agent_imports(PACKAGE / f"{name}.py") <= SHARED


def test_every_subpackage_says_what_it_is_for_in_one_line():
    for layer in LAYERS:
        doc = ast.get_docstring(ast.parse((PACKAGE / layer / "__init__.py").read_text()))
        assert doc and len(doc.splitlines()[0]) > 20, layer


def test_no_module_is_left_flat_beside_the_subpackages():
    flat = {p.stem for p in PACKAGE.glob("*.py")}
    assert flat == {"__init__", "__main__", "cli", "ask_cli", "schema", "results"}
