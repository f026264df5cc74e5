"""The package's import rules: the layer contracts hold, and no private name crosses a module.

The layers and the no-cycle rule are import-linter contracts in pyproject.toml (.ci/run runs
``lint-imports`` too); a private name (``_x``) is one module's business, so another module
importing it is refused here.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "gatesim"

# The engine's internals (gatesim/model/, the corridor's dispatcher) share private helpers;
# their layout is the engine's to settle. Nothing else may join this list.
ENGINE_INTERNALS = {
    ("gatesim.model.reference", "gatesim.model.simulate", "_arrivals"),
    ("gatesim.model.reference", "gatesim.model.simulate", "_calendar_rows"),
    ("gatesim.model.reference", "gatesim.model.simulate", "_closed_dates"),
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_imports(source: str, module: str) -> set[tuple[str, str, str]]:
    """(importer, imported module, name) for each private name ``module`` imports from another module."""
    found = set()
    package = module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the importer's package
                base = ".".join(
                    [*package.split(".")[: len(package.split(".")) - node.level + 1], base]
                ).strip(".")
            if not base.startswith("gatesim") or base == module:
                continue
            found |= {(module, base, a.name) for a in node.names if _is_private(a.name)}
            if _is_private(base.rsplit(".", 1)[-1]):
                found.add((module, base, "*"))
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("gatesim") and any(_is_private(p) for p in a.name.split(".")):
                    found.add((module, a.name, "*"))
    return found


def test_no_private_name_is_imported_across_modules():
    found = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        found |= private_imports(path.read_text(encoding="utf-8"), _module_name(path))
    crossing = sorted(found - ENGINE_INTERNALS)
    assert not crossing, (
        "private names imported from another module (make them public or move them): "
        + "; ".join(f"{a} imports {n} from {b}" for a, b, n in crossing)
    )


def test_the_private_name_check_can_fail():
    source = "from gatesim.sweep.spec import latin_hypercube, _canon\nimport gatesim.report._hidden\n"
    assert private_imports(source, "gatesim.trust.fit") == {
        ("gatesim.trust.fit", "gatesim.sweep.spec", "_canon"),
        ("gatesim.trust.fit", "gatesim.report._hidden", "*"),
    }
    assert not private_imports("from gatesim.sweep.spec import _canon\n", "gatesim.sweep.spec")


def test_the_layer_contracts_hold():
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.fail("lint-imports is missing: pip install -e '.[test]'")
    res = subprocess.run([exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-1000:]
