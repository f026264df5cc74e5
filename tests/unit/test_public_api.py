"""The public API: what ``from gatesim import ...`` offers, and docs/api.md's worked example runs."""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import gatesim

ROOT = Path(__file__).resolve().parents[2]
API_DOC = ROOT / "docs" / "api.md"


def _python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_every_public_name_is_importable_and_documented():
    doc = API_DOC.read_text(encoding="utf-8")
    for name in gatesim.__all__:
        assert getattr(gatesim, name) is not None, name
        if name != "__version__":
            assert f"`{name}" in doc, f"{name} is public but docs/api.md does not describe it"


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError):
        gatesim.run_everything  # noqa: B018


def test_import_gatesim_loads_no_heavy_module():
    """``import gatesim`` stays light (the CLI's --help imports it): the API loads on first use."""
    code = "import sys, gatesim; print(','.join(m for m in ('pandas', 'numpy', 'gatesim.api') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == ""


def test_the_worked_example_in_docs_api_runs(monkeypatch, capsys, tmp_path):
    blocks = _python_blocks(API_DOC.read_text(encoding="utf-8"))
    assert len(blocks) == 1, "docs/api.md should hold one worked example"
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the example's run directories
    namespace: dict = {"__name__": "docs_api_example"}
    exec(compile(blocks[0], str(API_DOC), "exec"), namespace)
    # what the example shows is there, not just that it ran
    assert set(namespace["per_gate"].index) == set(namespace["scenario"].gates)
    assert namespace["run"].summary.equals(
        namespace["result"].summary.astype(namespace["run"].summary.dtypes)
    )
    assert len(namespace["events"]) > 1000
    table = namespace["tan_thanh"]
    assert len(table) == 1 and table["base_mean"].iloc[0] >= 0
    assert "tan_thanh" in capsys.readouterr().out
