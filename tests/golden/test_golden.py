"""Results do not change by accident: a short baseline run's summary.csv, byte for byte.

When a change is meant to move the numbers, regenerate the file with
``python tests/golden/update.py`` and commit it with the change: the diff shows what moved.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location("golden_update", Path(__file__).with_name("update.py"))
golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(golden)


def test_baseline_summary_is_unchanged(tmp_path):
    produced = golden.produce(tmp_path / "run").read_bytes()
    expected = golden.GOLDEN.read_bytes()
    if produced != expected:
        new = produced.decode().splitlines()
        old = expected.decode().splitlines()
        diff = [f"line {i}: {a!r} != {b!r}" for i, (a, b) in enumerate(zip(old, new)) if a != b][:3]
        raise AssertionError(
            "summary.csv of the golden run changed (regenerate with `python tests/golden/update.py` "
            f"if that is intended): {len(old)} vs {len(new)} lines; first differences: {diff}"
        )
