"""Does any module of the app import a module that imports it back?"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"
NOT_YET: tuple[str, ...] = ()


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The app modules `path` names in its import statements (anywhere in the file)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if candidate in modules else node.module)
    return {name for name in found if name in modules}


def _graph() -> dict[str, set[str]]:
    paths = {_module_name(path): path for path in APP.rglob("*.py")}
    modules = {name for name in paths if not name.startswith(NOT_YET)}
    return {name: _imports(paths[name], modules) for name in modules}


def _cycle_from(start: str, graph: dict[str, set[str]]) -> list[str] | None:
    stack = [(start, [start])]
    seen = set()
    while stack:
        node, path = stack.pop()
        for nxt in graph[node]:
            if nxt == start:
                return [*path, start]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, [*path, nxt]))
    return None


def test_no_module_imports_one_that_imports_it_back():
    """Is every import one-way (no `# noqa: E402` tricks needed, no half-loaded module)?"""
    graph = _graph()
    assert "app.cache.views" in graph and "app.public.pages" in graph
    cycles = {" → ".join(cycle) for name in graph if (cycle := _cycle_from(name, graph))}
    assert sorted(cycles) == []
