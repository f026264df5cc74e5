"""Fill docs/proposals.md's headlines from a `gatesim answer` directory (runs nothing).

    gatesim answer scenarios/tan_thanh_8_lanes.yaml ... --worlds 20 --out runs/answer_all
    python docs/make_answers.py runs/answer_all --command "gatesim answer <the nine files> --worlds 20"

Per proposal, the sentences a planner quotes (the first line per gate, what the effect depends
on, what would settle it, any split, worlds left out) exactly as `answer.txt` words them; the
tables stay in the answer's own page.
"""

from __future__ import annotations

import argparse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROP = ROOT / "docs" / "proposals.md"
START, END = "<!-- answers:start -->", "<!-- answers:end -->"
QUOTED = (
    "Mean wait per truck at",
    "What the effect",
    "What would settle",
    "The effect on",
    "In ",
    "Untouched",
)


def headlines(answer_txt: str) -> str:
    """The quotable lines of answer.txt, one block per proposal."""
    out: list[str] = []
    for line in answer_txt.splitlines():
        if line.startswith("What ") and " does (against " in line:
            out += ["", f"**{line}**", ""]
        elif line.startswith(QUOTED) or line.endswith("(saturated)."):
            out.append(f"- {line}")
    return "\n".join(out).strip() + "\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("answer_dir")
    ap.add_argument("--command", required=True, help="the gatesim answer command, quoted in the page")
    args = ap.parse_args()
    body = headlines((Path(args.answer_dir) / "answer.txt").read_text(encoding="utf-8"))
    text = PROP.read_text(encoding="utf-8")
    a, b = text.index(START) + len(START), text.index(END)
    block = f"\nGenerated from `{args.command}` (`python docs/make_answers.py`).\n\n{body}"
    PROP.write_text(text[:a] + block + text[b:], encoding="utf-8")
    print(f"written: {PROP}")


if __name__ == "__main__":
    main()
