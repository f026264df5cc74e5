"""Values that passed validation and then crashed or misled; files read before being checked."""

from __future__ import annotations

import os
import threading
import time

import pytest
from faultkit import BASELINE, cli, one_line

ROAD = "gates.tan_thanh.stages.road"


def _run(*args, out):
    return cli("run", BASELINE, *args, "--days", "1", "-r", "1", "-q", "--out", out)


@pytest.mark.parametrize(
    "setting, fragments",
    [
        ("gates.tan_thanh.arrivals.per_day=inf", ["per_day", "finite"]),
        ("gates.tan_thanh.value_multiplier=.inf", ["value_multiplier", "finite"]),
        ("gates.tan_thanh.value_multiplier=inf", ["value_multiplier"]),
        (f"{ROAD}.lanes=true", [f"{ROAD}.lanes", "not true/false"]),
        (f"{ROAD}.per_lane_vehicles_per_h=false", ["per_lane_vehicles_per_h", "not true/false"]),
        ("gates.tan_thanh.stages.fees.hours={open_h: 8, close_h: 8}", ["close_h", "never open"]),
        ("calendar.start_date=0001-01-02", ["start_date", "year 1"]),
        ("calendar.start_date=9999-12-01", ["start_date", "year 9999"]),
        ("gates.tan_thanh.arrivals.channel_shares={green: 0.5, yellow: 0.5}", ["channel_shares", "red"]),
        ("gates.tan_thanh.stages.fees.servers=1000000000000", ["servers", "more than"]),
        ("gates.tan_thanh.name=" + "x" * 1_000_000, ["gates.tan_thanh.name", "characters"]),
        ("name=..", ["name"]),
    ],
)
def test_values_refused_by_the_schema(tmp_path, setting, fragments):
    result, lines = _run("--set", setting, out=tmp_path / "o")
    one_line(result, lines, 2, *fragments)
    assert not (tmp_path / "o").exists()


def test_a_lone_surrogate_is_one_line(tmp_path):
    result, lines = _run("--set", "description=bad \udcff text", out=tmp_path / "o")
    one_line(result, lines, 2, "UTF-8")


def test_set_error_is_blamed_on_the_set_not_the_base_file(tmp_path):
    result, lines = _run("--set", "gates.tan_thanh.arrivals.channel_shares.green=0.9", out=tmp_path / "o")
    line = one_line(result, lines, 2, "(--set)", "channel_shares")
    assert "baseline_2026.yaml:" not in line  # no line of the base file


def test_explicit_int_tag_is_refused(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text(f"extends: {BASELINE}\nrun:\n  days: !!int 3\n")
    result, lines = cli("run", f, "-q", "--out", tmp_path / "o")
    one_line(result, lines, 2, "s.yaml:3:", "explicit YAML tags are not allowed", "!!int")


def test_growth_beyond_memory_is_refused_with_an_estimate(tmp_path):
    result, lines = _run(
        "--set",
        "growth.volume_multiplier=1000",
        "--set",
        "gates.tan_thanh.arrivals.per_day=1000000",
        out=tmp_path / "o",
    )
    one_line(result, lines, 2, "trucks", "events", "MiB", "--days")
    assert not (tmp_path / "o").exists()


def test_memory_budget_from_the_environment(tmp_path):
    result, lines = cli(
        "run", BASELINE, "--days", "30", "-r", "1", "-q", "--out", tmp_path / "o",
        env={"GATESIM_MEMORY_MB": "20"},
    )  # fmt: skip
    line = one_line(result, lines, 2, "more memory than this machine has")
    assert "--days" in line


# --- reading before checking ---------------------------------------------------------------


def test_dev_zero_is_refused_without_reading_it(tmp_path):
    result, lines = cli("run", "/dev/zero", "-q", "--out", tmp_path / "o")
    one_line(result, lines, 2, "/dev/zero", "device")


def test_a_fifo_is_refused_without_waiting(tmp_path):
    fifo = tmp_path / "s.yaml"
    os.mkfifo(fifo)
    box = {}
    t = threading.Thread(target=lambda: box.setdefault("r", cli("run", fifo, "-q", "--out", tmp_path / "o")))
    t.daemon = True
    t.start()
    t.join(30)
    assert not t.is_alive(), "gatesim waited on a FIFO"
    one_line(*box["r"], 2, "FIFO")


def test_a_big_file_is_refused_before_parsing(tmp_path):
    from gatesim.scenario.load import MAX_BYTES

    f = tmp_path / "big.yaml"
    f.write_text("# " + "x" * MAX_BYTES + "\na: 1\n")
    t = time.perf_counter()
    result, lines = cli("run", f, "-q", "--out", tmp_path / "o")
    one_line(result, lines, 2, "bytes", f"at most {MAX_BYTES}")
    assert time.perf_counter() - t < 30  # generous: refused by size, not after parsing


def test_extends_fifo_and_device_are_named(tmp_path):
    fifo = tmp_path / "parent.yaml"
    os.mkfifo(fifo)
    for target, word in ((fifo, "FIFO"), ("/dev/null", "device")):
        f = tmp_path / "child.yaml"
        f.write_text(f"extends: {target}\nname: child\n")
        result, lines = cli("run", f, "-q", "--out", tmp_path / "o")
        line = one_line(result, lines, 2, "extends", word)
        assert "not found" not in line


@pytest.mark.parametrize("bad", ["a\0b.yaml", "x" * 5000 + ".yaml"])
def test_extends_with_an_unusable_name(tmp_path, bad):
    f = tmp_path / "child.yaml"
    f.write_text('extends: "' + bad.replace("\0", "\\0") + '"\nname: child\n')
    result, lines = cli("run", f, "-q", "--out", tmp_path / "o")
    one_line(result, lines, 2, "extends")


def test_long_extends_chain_is_named_as_such(tmp_path):
    prev = BASELINE
    for i in range(40):
        f = tmp_path / f"s{i}.yaml"
        f.write_text(f"extends: {prev}\n")
        prev = f
    result, lines = cli("run", prev, "-q", "--out", tmp_path / "o")
    line = one_line(result, lines, 2, "extends chain longer than")
    assert "nested too deeply" not in line


def test_missing_extends_says_where_it_looked(tmp_path):
    f = tmp_path / "child.yaml"
    f.write_text("extends: baseline_2026.yaml\nname: child\n")
    result, lines = cli("run", f, "-q", "--out", tmp_path / "o")
    one_line(result, lines, 2, "not found", str(tmp_path / "baseline_2026.yaml"))


# --- misleading messages --------------------------------------------------


def test_sweep_file_given_to_run(tmp_path):
    f = tmp_path / "sw.yaml"
    f.write_text(f"base: {BASELINE}\nparameters:\n  {ROAD}.lanes: [4, 8]\n")
    result, lines = cli("run", f, "-q", "--out", tmp_path / "o")
    line = one_line(result, lines, 2, "sweep file", "gatesim sweep")
    assert "calendar" not in line


def test_scenario_given_to_sweep(tmp_path):
    result, lines = cli("sweep", BASELINE, "--out", tmp_path / "o", "-q")
    line = one_line(result, lines, 2, "scenario", "gatesim run")
    assert "base: required key" not in line
    assert not (tmp_path / "o").exists()


def test_a_lone_surrogate_escape_in_a_file(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text(f'extends: {BASELINE}\ndescription: "bad \\udcff"\n')
    result, lines = cli("run", f, "-q", "--out", tmp_path / "o")
    one_line(result, lines, 2, "s.yaml:2:", "description", "surrogate")


def test_a_file_of_many_small_items_is_refused_before_parsing(tmp_path):
    from gatesim.scenario.load import MAX_ITEMS

    f = tmp_path / "many.yaml"
    f.write_text("".join(f"k{i}: {i}\n" for i in range(MAX_ITEMS + 1)))  # ~140 kB: under the size limit
    t = time.perf_counter()
    result, lines = cli("run", f, "-q", "--out", tmp_path / "o")
    one_line(result, lines, 2, "lines and list items", f"at most {MAX_ITEMS}")
    assert time.perf_counter() - t < 30
