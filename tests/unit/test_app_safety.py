"""The app's guards without a browser: paths outside the runs folder refused, folder names
reserved once, the form's fields and ranges taken from the schema, only changed values sent."""

from __future__ import annotations

from pathlib import Path

import pytest

from gatesim.app.form import main_fields, overrides_from
from gatesim.app.jobs import Jobs
from gatesim.app.safety import PathRefused, inside, safe_name


@pytest.fixture
def runs(tmp_path) -> Path:
    root = tmp_path / "runs"
    (root / "a" / "events").mkdir(parents=True)
    (root / "a" / "summary.csv").write_text("x\n")
    (tmp_path / "secret.txt").write_text("no\n")
    (root / "out").symlink_to(tmp_path)
    (root / "a" / "leak.csv").symlink_to(tmp_path / "secret.txt")
    return root


@pytest.mark.parametrize(
    "bad",
    [
        "../secret.txt",
        "a/../../secret.txt",
        "/etc/passwd",
        "out/secret.txt",
        "a/leak.csv",
        ".hidden",
        "a\\b",
        "a/\0",
        "",
    ],
)
def test_outside_or_not_plain_is_refused(runs, bad):
    with pytest.raises(PathRefused):
        inside(runs, bad)


def test_inside_is_allowed(runs):
    assert inside(runs, "a/summary.csv") == (runs / "a" / "summary.csv").resolve()
    assert inside(runs, "a/events") == (runs / "a" / "events").resolve()


@pytest.mark.parametrize("bad", ["..", ".", "a/b", "x..y", "-", ".git"])
def test_safe_name(bad):
    with pytest.raises(PathRefused):
        safe_name(bad)


def test_two_reservations_never_share_a_folder(tmp_path):
    jobs = Jobs(tmp_path)
    names = {jobs._reserve("baseline") for _ in range(50)}  # noqa: SLF001 - the reservation itself
    assert len(names) == 50
    (tmp_path / "other--x").mkdir()
    assert all(not (tmp_path / n).exists() for n in names)


def test_form_fields_come_from_the_schema(baseline):
    fields = {f.key: f for f in main_fields(baseline)}
    days = fields["run.days"]
    assert days.integer and days.low == 1 and days.high is not None and days.unit == "days"
    share = fields["gates.tan_thanh.arrivals.export_share"]
    assert (share.low, share.high, share.value) == (0.0, 1.0, 0.25)
    assert "lanes" in fields["gates.tan_thanh.stages.road.lanes"].unit
    assert fields["gates.tan_thanh.stages.road.lanes"].help  # the model's own words


def test_only_changed_values_become_overrides(baseline):
    fields = main_fields(baseline)
    form = {f.key: str(f.value) for f in fields}
    assert overrides_from(fields, form) == ()
    form["gates.tan_thanh.stages.road.lanes"] = "8"
    form["run.days"] = "12.0"  # the same number written differently
    form["gates.huu_nghi.arrivals.per_day"] = "lots"
    assert set(overrides_from(fields, form)) == {
        "gates.huu_nghi.arrivals.per_day=lots",
        "gates.tan_thanh.stages.road.lanes=8",
    }


@pytest.mark.parametrize(("host", "warned"), [("127.0.0.1", False), ("0.0.0.0", True), ("192.0.2.7", True)])
def test_listens_on_localhost_unless_told_and_then_says_so(tmp_path, monkeypatch, host, warned):
    import uvicorn
    from click.testing import CliRunner

    from gatesim.cli import main

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    res = CliRunner().invoke(
        main, ["app", "--runs", str(tmp_path / "runs"), "--host", host, "--port", "8999"]
    )
    assert res.exit_code == 0, res.output
    assert calls == [{"host": host, "port": 8999, "log_level": "warning"}]
    assert ("warning: listening on" in res.output) is warned


def test_default_host_is_localhost(tmp_path, monkeypatch):
    import uvicorn
    from click.testing import CliRunner

    from gatesim.cli import main

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw))
    assert CliRunner().invoke(main, ["app", "--runs", str(tmp_path)]).exit_code == 0
    assert calls[0]["host"] == "127.0.0.1"


def test_only_local_names_and_same_site_forms(tmp_path):
    from fastapi.testclient import TestClient

    from gatesim.app.server import LOCAL_NAMES, create_app

    app = create_app(tmp_path / "runs", LOCAL_NAMES)
    assert TestClient(app, base_url="http://127.0.0.1:8765").get("/runs").status_code == 200
    assert TestClient(app, base_url="http://localhost:8765").get("/runs").status_code == 200
    # a page elsewhere whose name resolves to this machine (DNS rebinding) reaches nothing
    assert TestClient(app, base_url="http://attacker.example:8765").get("/runs").status_code == 403
    local = TestClient(app, base_url="http://127.0.0.1:8765")
    form = {"scenario": "baseline_2026", "run.days": "0"}
    refused = local.post("/run", data=form, headers={"origin": "http://attacker.example"})
    assert refused.status_code == 403
    same = local.post("/run", data=form, headers={"origin": "http://127.0.0.1:8765"})
    assert same.status_code == 200 and "run.days" in same.text  # the schema's line, not a run
