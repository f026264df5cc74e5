"""Results do not change by accident: a short baseline run's summary.csv, cell by cell.

Every count, name and integer must be identical; a real number may differ from the stored one
only in its last few binary digits (relative 1e-12): a sum over thousands of trucks is rounded
differently by different NumPy builds (their summation order), and that is not a change of the
model. Any larger difference fails. When a change is meant to move the numbers, regenerate the
file with ``python tests/golden/update.py`` and commit it with the change: the diff shows what moved.
"""

from __future__ import annotations

import csv
import importlib.util
import math
from pathlib import Path

_spec = importlib.util.spec_from_file_location("golden_update", Path(__file__).with_name("update.py"))
golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(golden)

RELATIVE = 1e-12


def _same(old: str, new: str) -> bool:
    if old == new:
        return True
    try:
        a, b = float(old), float(new)
    except ValueError:
        return False
    if "." not in old + new and "e" not in (old + new).lower():
        return False  # integers (counts) are exact
    return math.isclose(a, b, rel_tol=RELATIVE, abs_tol=0.0)


def differences(expected: Path, produced: Path) -> list[str]:
    old = list(csv.reader(expected.read_text().splitlines()))
    new = list(csv.reader(produced.read_text().splitlines()))
    if len(old) != len(new) or old[0] != new[0]:
        return [f"{len(old)} vs {len(new)} lines; header {'same' if old[0] == new[0] else 'changed'}"]
    return [
        f"line {i}, {old[0][j]}: {a!r} != {b!r}"
        for i, (ro, rn) in enumerate(zip(old, new))
        for j, (a, b) in enumerate(zip(ro, rn))
        if not _same(a, b)
    ]


def test_baseline_summary_is_unchanged(tmp_path):
    diff = differences(golden.GOLDEN, golden.produce(tmp_path / "run"))
    assert not diff, (
        "summary.csv of the golden run changed (regenerate with `python tests/golden/update.py` "
        f"if that is intended): {len(diff)} cells; first: {diff[:3]}"
    )


def test_the_comparison_catches_a_change(tmp_path):
    """A moved figure in the last kept digit, or a count off by one, is a difference."""
    rows = golden.GOLDEN.read_text().splitlines()
    cells = rows[1].split(",")
    j = next(k for k, c in enumerate(cells) if "." in c and float(c) > 100)
    moved = list(cells)
    moved[j] = repr(float(cells[j]) * (1 + 1e-9))
    counted = list(cells)
    counted[5] = str(int(cells[5]) + 1)  # arrivals
    for changed in (moved, counted):
        out = tmp_path / "s.csv"
        out.write_text("\n".join([rows[0], ",".join(changed), *rows[2:]]) + "\n")
        assert differences(golden.GOLDEN, out)
    out.write_text(golden.GOLDEN.read_text())
    assert not differences(golden.GOLDEN, out)
