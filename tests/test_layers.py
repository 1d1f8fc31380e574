"""The code's floors, read from its own imports (every import statement, lazy and
TYPE_CHECKING ones included): nothing below the action layer imports the layers above
it, no import cycle spans two folders, and desensitize/ and harvesters/ stand alone."""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("portal", "desensitize", "harvesters")
# The floors below the action layer...
LOWER = ("portal.core", "portal.models", "portal.search", "portal.datastore", "portal.access",
         "portal.gate", "portal.blobs", "portal.jobs", "portal.audit", "portal.notify",
         "portal.mailer", "portal.workdays", "portal.crypto", "portal.db", "portal.settings",
         "portal.blob_gc", "portal.authentication")
# ...and what they must never import.
UPPER = ("portal.actions", "portal.services", "portal.web", "portal.api", "portal.cli",
         "portal.app", "portal.demo")


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _known(name: str) -> str | None:
    """The module of ours an imported name lives in (the longest known prefix)."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def _imports(module: str, path: Path) -> Iterator[tuple[str, int]]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from a import b` imports module a.b when there is one, else a name of a.
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base
                     for a in node.names]
        else:
            continue
        for name in names:
            target = _known(name)
            if target is not None and target != module:
                yield target, node.lineno


GRAPH: dict[str, set[str]] = defaultdict(set)
WHERE: dict[tuple[str, str], int] = {}
for _module, _path in MODULES.items():
    for _target, _line in _imports(_module, _path):
        GRAPH[_module].add(_target)
        WHERE.setdefault((_module, _target), _line)


def _under(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _folder(module: str) -> str:
    path = MODULES[module]
    return str(path.parent.relative_to(ROOT))


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = 0
    for start in MODULES:
        if start in index:
            continue
        work = [(start, iter(sorted(GRAPH[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(GRAPH[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        out.append(sorted(component))
    return out


def test_the_import_reader_sees_the_imports_it_judges() -> None:
    """The reader is not blind: it finds imports of each kind the rules below rely on."""
    assert "portal.core.errors" in GRAPH["portal.actions.packages"]
    assert "portal.access" in GRAPH["portal.authentication"]  # a plain `from x import y`
    assert "portal.actions.publication" in GRAPH["portal.services"]  # a lazy import
    assert "portal.core.context" in GRAPH["portal.gate"]
    assert "desensitize.tables.encoding" in GRAPH["desensitize.tables.opening"]
    assert "desensitize.tables" in GRAPH["desensitize.tables.opening"]  # the package itself


@pytest.mark.parametrize("floor", LOWER)
def test_no_floor_below_the_actions_imports_the_layers_above(floor: str) -> None:
    wrong = sorted(f"{module}:{WHERE[module, target]} imports {target}"
                   for module in MODULES if _under(module, (floor,))
                   for target in GRAPH[module] if _under(target, UPPER))
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("package", ["desensitize", "harvesters"])
def test_desensitize_and_harvesters_import_nothing_from_the_portal(package: str) -> None:
    wrong = sorted(f"{module}:{WHERE[module, target]} imports {target}"
                   for module in MODULES if _under(module, (package,))
                   for target in GRAPH[module] if _under(target, ("portal",)))
    assert not wrong, "\n".join(wrong)


def test_no_import_cycle_spans_two_folders() -> None:
    spanning = [cycle for cycle in _cycles() if len({_folder(m) for m in cycle}) > 1]
    assert not spanning, "\n".join(" <-> ".join(cycle) for cycle in spanning)


# The storage engines below the catalog: besides core, models and db, only settings,
# the job queue's Cancelled and the shared table reader.
ENGINE_IMPORTS = ("portal.core", "portal.models", "portal.db", "portal.settings", "portal.jobs",
                  "desensitize.tables")


@pytest.mark.parametrize("engine", ["portal.search", "portal.datastore"])
def test_the_search_and_the_datastore_import_no_catalog_glue(engine: str) -> None:
    wrong = sorted(f"{module}:{WHERE[module, target]} imports {target}"
                   for module in MODULES if _under(module, (engine,))
                   for target in GRAPH[module]
                   if not _under(target, (engine, *ENGINE_IMPORTS)))
    assert not wrong, "\n".join(wrong)


def test_the_core_imports_only_itself_and_the_models() -> None:
    wrong = sorted(f"{module} imports {target}" for module in MODULES
                   if _under(module, ("portal.core",))
                   for target in GRAPH[module]
                   if not _under(target, ("portal.core", "portal.models")))
    assert not wrong, "\n".join(wrong)
