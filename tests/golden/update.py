"""Regenerate the golden summary: ``python tests/golden/update.py``.

Run it only when a change of results is intended; the diff of
``baseline_3d_summary.csv`` then shows in review what the change did to the numbers.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
GOLDEN = HERE / "baseline_3d_summary.csv"
# A short baseline run: every gate, every stage kind, both directions; a few seconds.
ARGS = ["run", str(ROOT / "scenarios" / "baseline_2026.yaml"), "--days", "3", "-r", "2", "--seed", "20260101",
        "--no-events", "-q"]  # fmt: skip


def produce(out: Path) -> Path:
    """Run the golden scenario into ``out`` and return its summary.csv."""
    subprocess.run(
        [sys.executable, "-m", "gatesim.cli", *ARGS, "--out", str(out)], check=True, capture_output=True
    )
    return out / "summary.csv"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copyfile(produce(Path(tmp) / "run"), GOLDEN)
    print(f"written: {GOLDEN.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
