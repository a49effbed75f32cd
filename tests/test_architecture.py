"""The layout keeps its walls: read from every module's imports (all of them: module level,
inside functions, and for type checking only).

- nothing under vectorstore/ imports assistant;
- vectorstore's ingest side (vectorstore/ingest/) does not import its search side;
- only assistant/cli/ knows the terminal: rich, typer (and click, which typer vendors);
- no import cycle between modules.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import REPO

PACKAGES = ("assistant", "vectorstore")
TERMINAL = ("rich", "typer", "click")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for package in PACKAGES
        for path in sorted((REPO / package).rglob("*.py"))
        if "_bundled" not in path.parts
    }


def imported_by(path: Path, known: set[str]) -> Iterator[str]:
    """Every module a file imports; `from package import module` counts as the module."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path.parent)
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield base
            for alias in node.names:
                if f"{base}.{alias.name}" in known:
                    yield f"{base}.{alias.name}"


def import_graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: set(imported_by(path, known)) for name, path in found.items()}


def under(module: str, package: str) -> bool:
    return module == package or module.startswith(f"{package}.")


def test_the_walk_sees_the_imports_it_checks() -> None:
    """The checks below would pass vacuously if the walk found nothing."""
    graph = import_graph()
    assert "assistant.cli.render" in graph and "rich.console" in graph["assistant.cli.render"]
    assert "vectorstore.errors" in graph["assistant.errors"]
    assert "vectorstore.search.store" in graph["vectorstore.knowledge"]
    assert len(graph) > 40


def test_vectorstore_never_imports_assistant() -> None:
    offending = {
        (module, target)
        for module, targets in import_graph().items()
        if under(module, "vectorstore")
        for target in targets
        if under(target, "assistant")
    }
    assert offending == set()


def test_the_ingest_side_does_not_import_the_search_side() -> None:
    offending = {
        (module, target)
        for module, targets in import_graph().items()
        if under(module, "vectorstore.ingest")
        for target in targets
        if under(target, "vectorstore.search") or target == "vectorstore.knowledge"
    }
    assert offending == set()


def test_only_the_cli_knows_the_terminal() -> None:
    offending = {
        (module, target)
        for module, targets in import_graph().items()
        if not under(module, "assistant.cli")
        for target in targets
        if any(under(target, library) for library in TERMINAL)
    }
    assert offending == set()


def test_there_is_no_import_cycle() -> None:
    ours = set(modules())
    graph = {name: targets & ours for name, targets in import_graph().items()}
    cycles = []
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[node] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []
