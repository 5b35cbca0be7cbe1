"""The import graph keeps the documented direction: ``workers → app core``, never back, and
no two modules import each other (at module level or inside a function)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("app", "workers", "schedules", "migrations")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    modules = {
        _module_name(p): p
        for package in PACKAGES
        for p in (ROOT / package).rglob("*.py")
        if "versions" not in p.parts
    }
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets: set[str] = set()
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                # `from pkg import module` imports the module; `from pkg import name`, the package.
                submodules = {f"{base}.{a.name}" for a in node.names} & modules.keys()
                targets.update(submodules or {base})
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def test_the_app_never_imports_the_workers():
    offenders = {
        module: sorted(t for t in targets if t.split(".")[0] == "workers")
        for module, targets in _imports().items()
        if module.split(".")[0] == "app"
    }
    assert {m: t for m, t in offenders.items() if t} == {}


def test_no_two_modules_import_each_other():
    graph = _imports()
    mutual = sorted(
        (a, b) for a, targets in graph.items() for b in targets if a < b and a in graph.get(b, ())
    )
    assert mutual == []
