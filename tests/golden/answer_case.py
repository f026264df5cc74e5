"""The answer's golden case: a tiny one-gate scenario, four plausible worlds written by hand, two proposals.

Regenerate the golden text with ``python tests/golden/answer_case.py`` only when a change of the
answer is intended; the diff of ``answer_tiny.txt`` then shows what moved.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
GOLDEN = HERE / "answer_tiny.txt"
# accept_min: minutes per truck at the one acceptance lane (12 h a day): 2.0 accepts 360 of the 400
# arriving a day, so that world's queue grows all along (saturated) and is left out of the waits.
WORLDS = [1.2, 1.4, 1.6, 2.0]
ARGS = ["--worlds", "4", "--days", "2", "-r", "2", "-j", "1", "-q"]


def write_case(root: Path) -> dict[str, Path]:
    """tiny.yaml, tiny.priors.yaml, tiny.ensemble.csv (beside it), noop.yaml and two_lanes.yaml."""
    sys.path.insert(0, str(ROOT))
    from gatesim.run import scenario_hash
    from gatesim.scenario.load import load_scenario
    from gatesim.trust.priors import load_priors
    from tests.helpers.trust_cases import write_case as tiny

    paths = tiny(root, accept=1.4, low=1.0, high=2.5)
    sc, res = load_scenario(paths["scenario"])
    priors = load_priors(paths["priors"], sc, res)
    lines = ["scenario,scenario_hash,priors,set_id,accept_min,I_max,plausible"]
    lines += [f"tiny,{scenario_hash(res)},{priors.digest},{i},{a},0.5,True" for i, a in enumerate(WORLDS)]
    (root / "tiny.ensemble.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    noop = root / "noop.yaml"
    noop.write_text("extends: tiny.yaml\nname: noop\n", encoding="utf-8")
    two = root / "two_lanes.yaml"
    two.write_text(
        "extends: tiny.yaml\nname: two_lanes\ngates:\n  g:\n    stages:\n      cn_acceptance:\n        servers: 2\n",
        encoding="utf-8",
    )
    return {**paths, "noop": noop, "two_lanes": two}


def produce(root: Path, lang: str = "en") -> tuple[str, str]:
    """Run ``gatesim answer`` on the case in ``root`` (again: resumed, nothing rerun); (answer.txt, answer.html)."""
    from click.testing import CliRunner

    from gatesim.cli import main

    case = write_case(root / "case") if not (root / "case").exists() else _paths(root / "case")
    out = root / "answer"
    args = ["answer", str(case["two_lanes"]), str(case["noop"]), "--out", str(out), "--lang", lang, *ARGS]
    res = CliRunner().invoke(main, args)
    if res.exit_code != 0:
        raise RuntimeError(res.output)
    return (out / "answer.txt").read_text(encoding="utf-8"), (out / "answer.html").read_text(encoding="utf-8")


def _paths(case: Path) -> dict[str, Path]:
    return {"two_lanes": case / "two_lanes.yaml", "noop": case / "noop.yaml"}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        text, _ = produce(Path(tmp))
    GOLDEN.write_text(text, encoding="utf-8")
    print(f"written: {GOLDEN.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
