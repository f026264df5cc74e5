"""Every module's ``__all__`` lists what is public: names another module, a benchmark or a docs
script imports, a command named by its import string, or a name the docs describe (in backticks,
e.g. the truck-source protocol a modeller implements, docs/architecture.md). A name kept only for tests is not public
(tests import it by its module path all the same).

The top-level package (the curated API, docs/api.md), the scenario's data model (its classes are the
documented scenario keys) and the package facades (``gatesim/<package>/__init__.py``) are public by
definition and not checked here.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "gatesim"
PUBLIC_BY_DEFINITION = {"gatesim", "gatesim.scenario.schema", "gatesim.cli"}
# "gatesim.x.y:name" in code or pyproject: the lazy command table and entry points
IMPORT_STRING = re.compile(r"(gatesim(?:\.\w+)+):(\w+)")


def _module_name(path: Path) -> str:
    name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    return name.removesuffix(".__init__")


def _declared(tree: ast.Module) -> list[str] | None:
    for node in tree.body:
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, ast.AnnAssign)
            else []
        )
        if any(isinstance(t, ast.Name) and t.id == "__all__" for t in targets):
            return list(ast.literal_eval(node.value))  # type: ignore[union-attr, arg-type]
    return None


def _imported_names(path: Path, me: str, modules: set[str]) -> set[tuple[str, str]]:
    """(module, name) pairs this file takes from another gatesim module, by import or attribute."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[tuple[str, str]] = set()
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                if node.module != me:
                    found.add((node.module, alias.name))
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                aliases[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0]
                )
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        chain: list[str] = []
        inner: ast.expr = node
        while isinstance(inner, ast.Attribute):
            chain.append(inner.attr)
            inner = inner.value
        if isinstance(inner, ast.Name) and inner.id in aliases:
            parts = f"{aliases[inner.id]}.{'.'.join(reversed(chain))}".split(".")
            for i in range(1, len(parts)):
                module = ".".join(parts[:i])
                if module in modules and module != me:
                    found.add((module, parts[i]))
    return found


def _docs_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs").glob("*.md")))


def _usage() -> tuple[dict[str, list[str]], set[tuple[str, str]]]:
    sources = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    modules = set(sources)
    used: set[tuple[str, str]] = set()
    readers = [*PACKAGE.rglob("*.py"), *(ROOT / "benchmarks").rglob("*.py"), *(ROOT / "docs").rglob("*.py")]
    for path in readers:
        used |= _imported_names(path, _module_name(path), modules)
    for path in [*PACKAGE.rglob("*.py"), ROOT / "pyproject.toml"]:
        used |= {(m.group(1), m.group(2)) for m in IMPORT_STRING.finditer(path.read_text(encoding="utf-8"))}
    described = {
        word for span in re.findall(r"`([^`\n]+)`", _docs_text()) for word in re.findall(r"\w+", span)
    }
    used |= {(module, word) for module in modules for word in described}
    declared = {}
    for name, path in sources.items():
        names = _declared(ast.parse(path.read_text(encoding="utf-8")))
        if names is not None:
            declared[name] = names
    return declared, used


def test_every_exported_name_exists():
    import importlib

    declared, _ = _usage()
    missing = [
        f"{module}.{name}"
        for module, names in declared.items()
        if module not in {"gatesim.sweep", "gatesim.compare"}  # facades that load on first use
        for name in names
        if not hasattr(importlib.import_module(module), name)
    ]
    assert not missing, missing


def test_every_exported_name_is_used_outside_its_module():
    declared, used = _usage()
    unused = [
        f"{module}.{name}"
        for module, names in declared.items()
        if module not in PUBLIC_BY_DEFINITION
        and not (PACKAGE / module.removeprefix("gatesim.").replace(".", "/") / "__init__.py").exists()
        for name in names
        if (module, name) not in used
    ]
    assert not unused, f"in __all__ but imported by no other module (trim or use): {unused}"


def test_the_check_sees_an_unused_export(tmp_path):
    """The rule can fail: a name nobody imports is reported."""
    module = tmp_path / "m.py"
    module.write_text('__all__ = ["used", "lonely"]\nused = 1\nlonely = 2\n')
    other = tmp_path / "n.py"
    other.write_text("from m import used\n")
    assert _declared(ast.parse(module.read_text())) == ["used", "lonely"]
    taken = _imported_names(other, "n", {"m", "n"})
    assert ("m", "used") in taken and ("m", "lonely") not in taken
