"""The twin's corridor is a second implementation of the corridor, not a second caller of the first.

The twin (gatesim/model/reference*.py, smart_twin.py) shares with the fast engine the corridor's
rules and draws (gatesim/model/corridor/: demand, columns, choice, booking, waits, stops), never its
orchestration: ``CorridorSource`` (corridor/source.py) and its meter (corridor/metering.py). So the
twin = fast engine test on corridor scenarios (tests/properties/test_engine_twin_corridor.py)
compares two independent implementations of demand release, choice timing, holding, metering,
booking, staging and reneging hand-back.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "gatesim" / "model"
TWIN_MODULES = [
    "reference",
    "reference_corridor",
    "reference_holding",
    "reference_live",
    "reference_stages",
    "smart_twin",
]
FAST_CORRIDOR = {"gatesim.model.corridor.source", "gatesim.model.corridor.metering"}
FAST_NAMES = {"CorridorSource", "Meter", "truck_source"}


def _imports(path: Path) -> set[tuple[str, str]]:
    """(module, name) of every import in the file, at any depth (lazy imports too)."""
    found: set[tuple[str, str]] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found |= {(node.module, a.name) for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {(a.name, "*") for a in node.names}
    return found


def test_the_twin_modules_import_no_fast_corridor_orchestration():
    for name in TWIN_MODULES:
        for module, imported in _imports(MODEL / f"{name}.py"):
            assert module not in FAST_CORRIDOR, f"gatesim/model/{name}.py imports {module}"
            assert imported not in FAST_NAMES, f"gatesim/model/{name}.py imports {imported} from {module}"


RUN_ON_THE_TWIN = """
import json, sys
from gatesim.model.reference import simulate_reference
from gatesim.model.smart_twin import smart_twin
from gatesim.scenario.load import load_scenario
sc, _ = load_scenario(sys.argv[1], ["calendar.warmup_days=1", "calendar.drain_days=0"])
log, meta = simulate_reference(sc, 1, 0, 1, make_twin=smart_twin)
print(json.dumps({"events": len(log), "modules": sorted(m for m in sys.modules if m.startswith("gatesim.model"))}))
"""


def test_a_corridor_run_on_the_twin_never_loads_the_fast_corridor():
    """Lazy imports included: a whole corridor run (metering, staging) on the twin, in a fresh interpreter."""
    scenario = ROOT / "scenarios" / "corridor_staging_yards.yaml"
    out = subprocess.run(
        [sys.executable, "-c", RUN_ON_THE_TWIN, str(scenario)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    run = json.loads(out.stdout.strip().splitlines()[-1])
    assert run["events"] > 1000  # the corridor ran
    assert "gatesim.model.reference_corridor" in run["modules"]
    assert not FAST_CORRIDOR & set(run["modules"]), run["modules"]
