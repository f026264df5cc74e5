"""The repository speaks of the product, not of how it was made.

No issue numbers, work stops, engineers or who shared the machine in the package, the docs,
the benchmarks (and what they print), the changelog, the contributing guide or CI. A benchmark
figure says the machine and its load instead. Also: the package's version is the changelog's
latest release.
"""

from __future__ import annotations

import re
from pathlib import Path

import gatesim

ROOT = Path(__file__).resolve().parents[2]
SCANNED = [
    "gatesim", "docs", "benchmarks", "README.md", "CHANGELOG.md", "CONTRIBUTING.md", ".ci",
    "scenarios", "seeds", "tests", "pyproject.toml",
]  # fmt: skip
TEXT_SUFFIXES = {"", ".py", ".md", ".txt", ".yaml", ".yml", ".toml", ".csv", ".json", ".html", ".sh", ".cfg"}

PROCESS_TALK = re.compile(
    r"\bissues? #?\d+"  # issue 15, issues 14/15
    r"|(?<![\w-])stops? \d+\b"  # stop 22 (not non-stop 24 h)
    r"|\bengineers?\b"
    r"|\b(?:the|our) lead\b(?! time)"
    r"|shared the machine|shared \(\d+ cores",
    re.IGNORECASE,
)


def _files() -> list[Path]:
    out = []
    for name in SCANNED:
        path = ROOT / name
        found = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        out += [
            p
            for p in found
            if p.suffix in TEXT_SUFFIXES and "__pycache__" not in p.parts and p != Path(__file__).resolve()
        ]
    return out


def process_talk(text: str) -> list[tuple[int, str]]:
    """(line number, match) for each mention of how the repository was made."""
    return [
        (n, m.group(0)) for n, line in enumerate(text.splitlines(), 1) for m in PROCESS_TALK.finditer(line)
    ]


def test_no_process_talk_in_the_repository():
    found = []
    for path in _files():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        found += [f"{path.relative_to(ROOT)}:{n}: {word}" for n, word in process_talk(text)]
    assert not found, f"{len(found)} mentions of how the repository was made:\n" + "\n".join(found[:40])


def test_the_check_can_fail():
    text = "# --- corridor (issue 15) ---\nmeasured at stop 22 while ~6 other engineers shared the machine\n"
    assert [w for _, w in process_talk(text)] == ["issue 15", "stop 22", "engineers", "shared the machine"]
    assert process_talk("booking lead time; stops at the border; a non-stop 24 h gate") == []


def test_the_version_is_the_latest_release():
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    releases = re.findall(r"^## (\d+\.\d+\.\d+) \(", changelog, flags=re.M)
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert releases and releases[0] == gatesim.__version__
    assert f'\nversion = "{gatesim.__version__}"\n' in pyproject
