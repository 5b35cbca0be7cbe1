"""The import graph keeps the documented direction: ``workers → app core``, never back; no two
modules import each other (at module level or inside a function); and the workers, the beat,
the core and the workloads' domain modules never load Flask, directly or through anything they
import."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import deque
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("app", "workers", "schedules", "migrations")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def _modules() -> dict[str, Path]:
    return {
        _module_name(p): p
        for package in PACKAGES
        for p in (ROOT / package).rglob("*.py")
        if "versions" not in p.parts
    }


@cache
def _parsed() -> dict[str, tuple[set[str], set[str], set[str]]]:
    """Per module: the project modules it imports, the top-level names of the outside
    packages it imports, and the project modules its string constants name (modules loaded
    by name, such as the task-kind modules ``load_all`` imports)."""
    modules = _modules()
    result = {}
    for name, path in modules.items():
        targets: set[str] = set()
        outside: set[str] = set()
        named: set[str] = set()
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
                outside.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                else:
                    outside.add(base.split(".")[0])
                # `from pkg import module` imports the module; `from pkg import name`, the package.
                submodules = {f"{base}.{a.name}" for a in node.names} & modules.keys()
                targets.update(submodules or {base})
            elif isinstance(node, ast.Constant) and node.value in modules:
                named.add(node.value)
        project = {t for t in targets if t in modules and t != name}
        result[name] = (project, outside - {p.split(".")[0] for p in modules}, named - {name})
    return result


def _imports() -> dict[str, set[str]]:
    return {name: project for name, (project, _, _) in _parsed().items()}


def _loads() -> dict[str, set[str]]:
    """What importing each module runs: what it imports (also inside functions), the packages
    above each of those (``import a.b.c`` runs ``a`` and ``a.b`` first), its own packages,
    and the modules it loads by name."""
    modules = _modules()
    graph = {}
    for name, (project, _, named) in _parsed().items():
        edges = set()
        for target in {*project, *named, name}:
            parts = target.split(".")
            edges.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
        graph[name] = {e for e in edges if e in modules and e != name}
    return graph


def _is_flask(package: str) -> bool:
    return package == "flask" or package.startswith("flask_")


def _path_to_flask(start: str) -> list[str] | None:
    """The import chain from ``start`` to a module that imports Flask, if there is one."""
    graph, parsed = _loads(), _parsed()
    came_from: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        module = queue.popleft()
        flask = sorted(p for p in parsed[module][1] if _is_flask(p))
        if flask:
            chain = [module]
            while came_from[chain[-1]] is not None:
                chain.append(came_from[chain[-1]])
            return [*reversed(chain), f"({', '.join(flask)})"]
        for target in sorted(graph[module]):
            if target not in came_from:
                came_from[target] = module
                queue.append(target)
    return None


def _flask_free() -> list[str]:
    """The modules that must never load Flask: every worker and beat module, the core, each
    workload's domain package, the task service and every task-kind module (the workers load
    the kinds to know their queues and limits)."""

    def covered(name: str) -> bool:
        top, dotted = name.split(".")[0], f".{name}."
        return (
            top in ("workers", "schedules")
            or dotted.startswith(".app.core.")
            or (top == "app" and ".domain." in dotted)
            or name == "app.platform.task_service"
            or name.endswith("kinds")
        )

    return sorted(name for name in _modules() if covered(name))


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


def test_workers_beat_core_and_domain_never_load_flask():
    modules = _flask_free()
    # The rule covers what it says it covers (a renamed package would silently drop out).
    for expected in (
        "workers.celery_app",
        "schedules",
        "app.core.principal",
        "app.core.scoping",
        "app.core.errors",
        "app.dining.domain.guard",
        "app.monitoring.domain.targets",
        "app.recruiting.domain.identity",
        "app.careers.domain.rules",
        "app.platform.kinds",
    ):
        assert expected in modules
    chains = {m: chain for m in modules if (chain := _path_to_flask(m))}
    assert chains == {}, "\n".join(" → ".join(chain) for chain in chains.values())


def test_the_task_service_needs_no_flask():
    assert _path_to_flask("app.platform.task_service") is None


def test_the_rule_sees_flask_through_a_chain():
    # app.platform.auth imports Flask itself; a route module reaches Flask through it.
    assert _path_to_flask("app.platform.auth")[-1] == "(flask, flask_jwt_extended)"
    assert _path_to_flask("app.platform.task_routes")[0] == "app.platform.task_routes"


def test_a_worker_process_loads_no_flask():
    # The static walk above, checked once for real: a worker's own imports (its task modules,
    # every task kind, the beat schedule) leave no Flask module loaded.
    code = (
        "import sys\n"
        "import workers.celery_app\n"
        "from app.platform.kinds import load_all\n"
        "from app.taskqueue import TASK_MODULES\n"
        "import schedules\n"
        "load_all()\n"
        "for m in TASK_MODULES: __import__(m)\n"
        "print(sorted(m for m in sys.modules if m == 'flask' or m.startswith('flask_') "
        "or m.startswith('flask.')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


# Each of these has one home; importing it through a module that merely uses it would make
# that module a second place to change (and could pull Flask into a worker).
HOMES = {
    "ApiError": "app.core.errors",
    "NotFound": "app.core.errors",
    "Schema": "app.core.schema",
    "Principal": "app.core.principal",
    "scoped": "app.core.scoping",
    "get_scoped": "app.core.scoping",
}


def test_the_core_names_are_imported_from_their_one_module():
    roots = [ROOT / p for p in (*PACKAGES, "tests", "bench", "tools") if (ROOT / p).is_dir()]
    wrong = []
    for path in (p for root in roots for p in root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("app"):
                for alias in node.names:
                    home = HOMES.get(alias.name)
                    if home and node.module != home:
                        wrong.append(f"{path.relative_to(ROOT)}: {alias.name} from {node.module}")
    assert wrong == []
