"""The app's answers without a browser: which shipped scenarios it offers to answer and against
which bases, answer folders reserved once, an answer directory read only when whole and not
through a link, and a bad size refused by the worker in the CLI's words with nothing written."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from gatesim.app.answers import answerable, list_answers, read_answer
from gatesim.app.catalog import SCENARIOS_DIR
from gatesim.app.jobs import Jobs


def test_the_shipped_proposals_are_offered_against_the_calibrated_baseline():
    proposals, bases = answerable()
    stems = dict(proposals)
    assert "tan_thanh_8_lanes" in stems and "fruit_green_lane" in stems
    assert bases[0][0] == "baseline_2026"  # the scenario the shipped ensemble was fitted on
    assert "baseline_2026" not in stems


def test_a_scenario_without_an_ensemble_up_its_chain_is_not_offered(tmp_path):
    (tmp_path / "lone.yaml").write_text((SCENARIOS_DIR / "baseline_2026.yaml").read_text(encoding="utf-8"))
    assert answerable(tmp_path) == ([], [])


def test_two_answers_never_share_a_folder(tmp_path):
    jobs = Jobs(tmp_path)
    names = {jobs._reserve("p", "answers") for _ in range(20)}  # noqa: SLF001 - the reservation itself
    assert len(names) == 20 and all(not (tmp_path / "answers" / n).exists() for n in names)


def _answer(folder: Path, lang: str = "en") -> Path:
    (folder / "runs").mkdir(parents=True)
    (folder / "runs" / "sweep.json").write_text(
        json.dumps({"worlds": [{}, {}], "days": 1, "replications": 1})
    )
    (folder / "answer.html").write_text(
        f"<!doctype html><html lang='{lang}'><head><title>p</title></head><body>"
        "<p class='muted'>against b</p><p class='verdict'>Mean wait &lt; 1 h</p></body></html>",
        encoding="utf-8",
    )
    return folder


def test_an_answer_is_read_from_its_page_and_its_sweep(tmp_path):
    got = read_answer(_answer(tmp_path / "answers" / "p--1", "vi"))
    assert got is not None
    assert (got["title"], got["against"], got["verdicts"], got["lang"], got["size"]) == (
        "p", "against b", ["Mean wait < 1 h"], "vi", "2 × 1 × 1",
    )  # fmt: skip
    assert [a["folder"] for a in list_answers(tmp_path)] == ["p--1"]


def test_an_incomplete_or_linked_answer_is_not_listed(tmp_path):
    whole = _answer(tmp_path / "elsewhere")
    (tmp_path / "runs" / "answers").mkdir(parents=True)
    (tmp_path / "runs" / "answers" / "link").symlink_to(whole)
    half = tmp_path / "runs" / "answers" / "half"
    (half / "runs").mkdir(parents=True)  # the sweep under way: no answer.html yet
    (tmp_path / "runs" / "answers" / ".p--2.partial-1").mkdir()
    assert list_answers(tmp_path / "runs") == []
    page_link = _answer(tmp_path / "runs" / "answers" / "p--3")
    (page_link / "answer.html").unlink()
    (page_link / "answer.html").symlink_to(whole / "answer.html")
    assert read_answer(page_link) is None


def test_the_worker_refuses_a_bad_size_in_the_cli_words(tmp_path):
    out = tmp_path / "answers" / "x"
    proc = subprocess.run(
        [sys.executable, "-m", "gatesim.app.answer_worker", str(out), "en", "1", "0", "1",
         str(SCENARIOS_DIR / "baseline_2026.yaml"), str(SCENARIOS_DIR / "tan_thanh_8_lanes.yaml")],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 2
    last = json.loads(proc.stdout.strip().splitlines()[-1])
    assert last == {"error": "gatesim: error: --days: out of range; given 0; allowed: 1 to 366"}
    assert not out.exists() and not (tmp_path / "answers").exists()


def test_an_answer_the_app_named_can_be_asked_again(tmp_path):
    from gatesim.app.answers import answer_name

    assert answer_name("tan_thanh_8_lanes", "baseline_2026", "baseline_2026") == "tan_thanh_8_lanes"
    name = answer_name("smart_gate_package_growth", "traffic_growth_2026", "baseline_2026")
    got = read_answer(_answer(tmp_path / f"{name}--20261206-090000"))
    assert got is not None and got["request"] == {
        "proposal": "smart_gate_package_growth", "base": "traffic_growth_2026", "worlds": "2", "days": "1",
        "replications": "1",
    }  # fmt: skip
    assert read_answer(_answer(tmp_path / "not_shipped--20261206-090000"))["request"] is None  # type: ignore[index]


def test_an_answers_folder_that_is_a_link_out_is_never_written(tmp_path):
    from fastapi.testclient import TestClient

    from gatesim.app.server import LOCAL_NAMES, create_app

    (tmp_path / "runs").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "runs" / "answers").symlink_to(tmp_path / "elsewhere")
    client = TestClient(create_app(tmp_path / "runs", LOCAL_NAMES), base_url="http://127.0.0.1:8765")
    form = {
        "proposal": "tan_thanh_8_lanes",
        "base": "baseline_2026",
        "worlds": "1",
        "days": "1",
        "replications": "1",
    }
    got = client.post("/answer", data=form)
    assert got.status_code == 200 and 'id="error"' in got.text and "outside the runs folder" in got.text
    assert 'data-status="running"' not in got.text
    assert list((tmp_path / "elsewhere").iterdir()) == []
    assert client.get("/answers/x").status_code == 404


def test_a_worker_deaf_to_sigterm_is_killed_with_the_processes_it_started():
    from gatesim.app.jobs import Job

    code = (
        "import signal, subprocess, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "c = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
        "print(c.pid, flush=True); time.sleep(60)"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    child = int(proc.stdout.readline())  # type: ignore[union-attr]
    proc.terminate()  # ignored
    Jobs.wait(Job("1", "x", "x", proc), 0.5)
    assert proc.poll() is not None
    for _ in range(100):  # the child, orphaned, is reaped by init once killed
        stat = Path(f"/proc/{child}/stat")
        if not stat.exists() or stat.read_text().rsplit(")", 1)[1].split()[0] == "Z":
            break
        time.sleep(0.05)
    else:
        raise AssertionError(f"process {child} outlived its worker")


def test_the_time_left_is_at_the_pace_of_the_runs_so_far():
    from gatesim.app.answer_pages import answer_job_part
    from gatesim.app.jobs import Job

    job = Job("1", "x", "p", subprocess.Popen([sys.executable, "-c", "pass"]), kind="answer")
    job.proc.wait()
    assert job.seconds_left is None
    job.progress = {"runs_done": 2, "runs_total": 10, "since": (100.0, 2), "at": 100.0}
    assert job.seconds_left is None  # runs found done are not timed: no pace yet
    job.progress = {"runs_done": 6, "runs_total": 10, "since": (100.0, 2), "at": 140.0}
    assert job.seconds_left == 40.0  # 4 runs in 40 s, 4 to go
    assert "runs done 6/10, about 40 s left" in answer_job_part(job, "en")
    assert "còn khoảng 40 s" in answer_job_part(job, "vi")


def test_runs_are_reused_only_from_a_whole_answer_of_the_same_sweep_with_no_link(tmp_path):
    from gatesim.app import answer_worker

    answers = tmp_path / "answers"

    def answer(name: str, digest: str) -> Path:
        tasks = answers / name / "runs" / "tasks"
        tasks.mkdir(parents=True)
        (tasks.parent / "sweep.json").write_text(json.dumps({"hash": digest}))
        (tasks / "t.json").write_text("{}")
        return answers / name

    (tmp_path / "secret.json").write_text("{}")
    linked = answer("a", "h1")
    (linked / "runs" / "tasks" / "u.json").symlink_to(tmp_path / "secret.json")
    answer(".b.partial-1", "h1")  # unfinished
    answer("c", "h2")  # another sweep
    reuse = answer_worker._reuse  # noqa: SLF001 - the reuse rule itself
    assert not reuse(answers, "h1", tmp_path / "new1" / "runs")
    assert reuse(answers, "h2", tmp_path / "new2" / "runs")
    assert (tmp_path / "new2" / "runs" / "tasks" / "t.json").is_file()
    answer("d", "h1")
    assert reuse(answers, "h1", tmp_path / "new3" / "runs")
    assert not (tmp_path / "new3" / "runs" / "tasks" / "u.json").exists()  # d's, not a's
