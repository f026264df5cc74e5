"""Run a sweep's tasks on an executor and keep each result as it ends.

Output directory::

    sweep.json        what defines the results (resolved base, points, days, replications, seed) + its hash
    tasks/<id>.json   one file per finished task, written atomically (temp file + os.replace)
    events/<id>.parquet  only with keep_events
    results.csv  results_ci.csv   assembled from tasks/ once every task has a result

``results.csv`` is always built from the task files, in (point, replication)
order, so an interrupted and resumed sweep ends with the same bytes as one run
straight through, whatever the executor or the order tasks finished in.
"""

from __future__ import annotations

import concurrent.futures as cf
import gc
import json
import multiprocessing
import os
import re
import shutil
import signal
import sys
from collections.abc import Callable, Iterator
from collections.abc import Set as AbstractSet
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from gatesim.errors import EnvironmentFailure, InputError
from gatesim.outputs import clear_scratch, write_csv, write_json
from gatesim.projections.kpis import KPI_COLUMNS, is_stage_kpi
from gatesim.resumable import check_resumable
from gatesim.stats import summary_ci
from gatesim.sweep.spec import Sweep, Task
from gatesim.sweep.tasks import error_text, run_task
from gatesim.version import __version__

__all__ = ["SweepInterrupted", "assemble", "run_sweep", "usable_cores"]

SPEC_FILE = "sweep.json"
LOCK_FILE = ".lock"
CONNECT_TIMEOUT_S = (
    30.0  # a scheduler that accepts the connection but never answers (GATESIM_CONNECT_TIMEOUT_S)
)
TASKS_DIR = "tasks"
EVENTS_DIR = "events"
DASK_RETRIES = 2  # on top of dask's own rescheduling when a worker dies mid-task
WATCH_S = 2.0  # how often a sweep on a scheduler looks at its client while no task ends


class SweepInterrupted(Exception):
    """Ctrl-C: pending tasks cancelled; finished ones are kept in tasks/."""

    def __init__(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        super().__init__(
            f"interrupted: {done} of {total} tasks done and kept; run the same command to resume"
        )


@dataclass
class SweepOutcome:
    total: int
    skipped: int
    ran: int
    failed: list[str] = field(default_factory=list)  # task ids whose result is an error row
    lost: list[str] = field(default_factory=list)  # task ids the executor could not run (not kept)
    damaged: list[str] = field(default_factory=list)  # task files found unreadable: run again
    results: pd.DataFrame | None = None


def _task_path(out: Path, task: Task) -> Path:
    return out / TASKS_DIR / f"{task.id}.json"


def _events_path(out: Path, task: Task) -> Path:
    return out / EVENTS_DIR / f"{task.id}.parquet"


def _half_created(out: Path) -> bool:
    """A sweep directory killed (or out of disk) before its sweep.json was written: only an empty tasks/."""
    names = {p.name for p in out.iterdir()} - {LOCK_FILE}
    if names != {TASKS_DIR} or not (out / TASKS_DIR).is_dir():
        return False
    return all(p.name.startswith(".") for p in (out / TASKS_DIR).iterdir())  # temporaries at most


def _clear(out: Path) -> None:
    """Empty ``out`` but keep the directory itself (its lock is held on it)."""
    for p in out.iterdir():
        if p.name == LOCK_FILE:
            continue
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p)
        else:
            p.unlink()


def _held_spec(spec_path: Path) -> dict | None:
    """The sweep marker's content ({} when damaged: a different sweep); None without one."""
    if not spec_path.exists():
        return None
    try:
        old = json.loads(spec_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        old = {}
    return old if isinstance(old, dict) else {}


def _force_clear(out: Path, held: dict | None) -> None:
    """--force empties a sweep directory in place (the lock is held on it); never another folder."""
    if held is None and not _half_created(out) and any(out.iterdir()):
        # --force replaces a sweep; it never wipes an unrelated folder (think --out .)
        raise InputError(
            "--force only replaces a sweep directory; this one holds other files",
            key="--out",
            given=str(out),
            allowed="a sweep directory, a new or empty directory",
        )
    _clear(out)


def prepare_dir(out: Path, sweep: Sweep, force: bool = False) -> None:
    """Create or reuse ``out``; refuse a directory that holds another sweep (or anything else)."""
    spec_path = out / SPEC_FILE
    if out.is_dir() and force:
        _force_clear(out, _held_spec(spec_path))
    held = _held_spec(spec_path)
    if out.is_dir() and held is None and (out / TASKS_DIR).is_dir() and not _half_created(out):
        # a sweep (or a fit's wave) that lost its sweep.json: which sweep the tasks belong to is lost
        raise InputError(
            f"has task files but no {SPEC_FILE}: which sweep they belong to is lost",
            key="--out",
            given=str(out),
            allowed=f"remove {out} and run the same command again (every task is run again)",
        )
    # nothing of a sweep yet: only our lock, or what a kill left before the spec was written
    empty = (
        out.is_dir()
        and held is None
        and (_half_created(out) or all(p.name == LOCK_FILE for p in out.iterdir()))
    )
    check_resumable(
        out,
        key="--out",
        kind="sweep",
        held=held,
        same=held is not None and held.get("hash") == sweep.hash,
        empty=empty,
        force=False,  # cleared above
        differs=f"spec hash {(held or {}).get('hash')}, this one {sweep.hash}: "
        "base scenario, points, days, replications or seed differ",
    )
    out.mkdir(parents=True, exist_ok=True)
    if not spec_path.exists():  # before tasks/: a kill in between leaves a resumable directory
        write_json(
            spec_path,
            {"hash": sweep.hash, "spec_file": sweep.file, "gatesim_version": __version__, **sweep.identity},
        )
    (out / TASKS_DIR).mkdir(exist_ok=True)
    for stale in (out / TASKS_DIR).glob(".*.tmp-*"):  # left by a kill -9 mid-write (the lock is ours)
        stale.unlink(missing_ok=True)


@contextmanager
def sweep_lock(out: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``out`` while a sweep writes into it; a second sweep is refused."""
    import fcntl

    if out.exists() and not out.is_dir():
        raise InputError("not a directory", key="--out", given=str(out))
    out.parent.mkdir(parents=True, exist_ok=True)
    created = not out.exists()
    out.mkdir(exist_ok=True)
    fd = os.open(out / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InputError(
                "another gatesim sweep is writing into this directory",
                key="--out",
                given=str(out),
                allowed="wait for it to end, or another directory",
            ) from None
        try:
            yield
        except BaseException:
            # no task done yet (the scheduler could not be reached, the disk is full): leave no new directory
            if created and not any((out / TASKS_DIR).glob("*.json")):
                shutil.rmtree(out, ignore_errors=True)
            raise
    finally:
        os.close(fd)


def _valid_record(data: Any) -> bool:
    # Rows are dicts; what they hold is the task's (a sweep's summary rows, calibration's
    # measurements: run_sweep(task=...)), so only the record's shape is checked here.
    return (
        isinstance(data, dict)
        and isinstance(data.get("rows"), list)
        and all(isinstance(r, dict) for r in data["rows"])
        and isinstance(data.get("error"), str)
    )


def _read_record(path: Path) -> dict[str, Any] | None:
    """A task file's record, or None if it is missing, truncated, empty or malformed."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if _valid_record(data) else None


def _is_done(out: Path, task: Task, keep_events: bool, damaged: list[str] | None = None) -> bool:
    path = _task_path(out, task)
    if not path.exists():
        return False
    if _read_record(path) is None:  # damaged: not done; it is run again and its file replaced
        if damaged is not None:
            damaged.append(task.id)
        return False
    return not keep_events or _events_path(out, task).exists()


def _save(out: Path, task: Task, seed: int, result: dict[str, Any]) -> None:
    path = _task_path(out, task)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    record = {
        "task": task.id,
        "point": task.point,
        "replication": task.replication,
        "seed": seed,
        "params": task.params,
        **result,
    }
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(record, f, ensure_ascii=False)  # floats round-trip exactly; NaN kept as NaN
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _ignore_sigint() -> None:
    # Ctrl-C reaches the whole process group; only the parent handles it, so
    # workers do not print a traceback each.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    # The objects inherited from the parent (a fit's or an assessment's
    # thousand scenarios) are never garbage here: out of the collector's
    # reach, the full collection that ends each simulation (model/simulate.py)
    # scans only the task's own objects. Measured: that collection was 36% of
    # an assessment worker's time (py-spy), and it touched every inherited
    # page (copy-on-write: worker RSS ~270 MiB).
    gc.freeze()


def _die_with_parent() -> None:
    """Linux: this worker is killed when the sweep's main process ends, even by kill -9."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
    except (OSError, AttributeError):
        return  # not Linux: workers end when they find the pool's pipe closed
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)


_ADDRESS = re.compile(r"^(?:(tcp|tls)://)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$")


def check_scheduler_address(address: str) -> None:
    """Refuse an address dask cannot use (``foo``, ``http://...``, empty) before connecting."""
    m = _ADDRESS.match(address.strip())
    if not m or not 0 < int(m.group(3)) < 65536:
        raise InputError(
            "not a dask scheduler address",
            key="--scheduler",
            given=address,
            allowed="tcp://HOST:PORT (or tls://HOST:PORT, HOST:PORT), e.g. tcp://127.0.0.1:8786",
        )


def _connect(scheduler: str) -> Any:
    """A dask Client, or one error line within CONNECT_TIMEOUT_S (the connection is made
    on a daemon thread: a scheduler that accepts and never answers cannot hang us)."""
    import threading

    from distributed import Client

    box: dict[str, Any] = {}
    try:
        timeout = float(os.environ.get("GATESIM_CONNECT_TIMEOUT_S", CONNECT_TIMEOUT_S))
    except ValueError:
        timeout = CONNECT_TIMEOUT_S

    def connect() -> None:
        try:
            box["client"] = Client(scheduler, timeout=f"{timeout}s")
        except BaseException as e:  # noqa: BLE001 - handed to the caller
            box["error"] = e

    _quiet_dask_logs()
    thread = threading.Thread(target=connect, daemon=True, name="gatesim-dask-connect")
    thread.start()
    thread.join(timeout + 5)
    if thread.is_alive():
        raise EnvironmentFailure(
            f"--scheduler {scheduler}: no answer within {timeout + 5:g} s "
            "(something accepts connections there but is not a dask scheduler?)"
        )
    if "error" in box:
        e = box["error"]
        raise EnvironmentFailure(
            f"--scheduler {scheduler}: cannot reach the dask scheduler ({type(e).__name__}: {' '.join(str(e).split())[:120]})"
        )
    return box["client"]


def _quiet_dask_logs() -> None:
    """dask logs a lost scheduler as an ERROR with a traceback on stderr: the sweep says it in
    one line instead (GATESIM_DEBUG=1 keeps dask's logs)."""
    import logging

    if os.environ.get("GATESIM_DEBUG"):
        return
    # dask's own logging config sets some children's levels (``tornado.application: error``),
    # so every configured logger under these roots is silenced, not only the roots
    roots = ("distributed", "tornado")
    configured = [n for n in logging.root.manager.loggerDict if n.split(".")[0] in roots]
    for name in (*roots, *configured):
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)


def _scheduler_lost(ex: Any, exc: BaseException | None) -> bool:
    """Whether a failed future means the scheduler is gone (not one task or worker failing)."""
    # Only a client that gave up reconnecting (after its connect timeout) counts: a busy
    # scheduler can miss a heartbeat ("connecting") and come back; a failed task or dead
    # worker leaves the client running (rescheduled by dask, else kept as a lost task).
    client = getattr(ex, "_client", None)
    return getattr(client, "status", "running") in ("closing", "closed", "failed")


def _lost_reason(ex: Any, exc: BaseException | None) -> str:
    status = getattr(getattr(ex, "_client", None), "status", "?")
    return f"client {status}, {type(exc).__name__}" if exc is not None else f"client {status}"


@contextmanager
def _executor(workers: int, scheduler: str | None) -> Iterator[cf.Executor]:
    if scheduler is not None:
        try:
            from distributed import Client
        except ImportError:
            raise InputError(
                "--scheduler needs dask.distributed",
                key="--scheduler",
                given=scheduler,
                allowed='install it: pip install "gatesim[cluster]"',
            ) from None
        del Client  # imported above only to say whether dask.distributed is installed
        client = _connect(scheduler)
        try:
            # pure=False: every task is run, never deduplicated by argument hash.
            yield client.get_executor(retries=DASK_RETRIES, pure=False)
        finally:
            client.close()
        return
    methods = multiprocessing.get_all_start_methods()
    # fork: workers inherit the imported model, so a worker starts in milliseconds, not seconds.
    ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
    pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_ignore_sigint)
    try:
        yield pool
    except BaseException:
        # Do not wait for running tasks (they may be long): end the pool's own workers.
        procs = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for proc in procs:
            proc.terminate()
        raise
    pool.shutdown(wait=True)


def run_sweep(
    sweep: Sweep,
    out: Path,
    workers: int | None = None,
    scheduler: str | None = None,
    keep_events: bool = False,
    force: bool = False,
    on_start: Callable[[int, int], Any] | None = None,
    on_done: Callable[[Task, dict[str, Any]], None] | None = None,
    task: Callable[..., dict[str, Any]] = run_task,
    assemble_results: bool = True,
) -> SweepOutcome:
    """Run every task not yet done in ``out``, then write results.csv and results_ci.csv.

    ``on_start(todo, skipped)`` is called once before the first task,
    ``on_done(task, result)`` after each. Raises :class:`SweepInterrupted` on Ctrl-C.
    ``task`` replaces :func:`run_task` for clients whose tasks return other rows
    (calibration's measurements: a picklable callable with the same arguments);
    they pass ``assemble_results=False`` and read the task files themselves.
    """
    out = Path(out)
    if scheduler is not None:
        check_scheduler_address(scheduler)
    if force and out.is_dir() and (out / SPEC_FILE).exists():
        return _replace(
            sweep, out, workers, scheduler, keep_events, on_start, on_done, task, assemble_results
        )
    # not resuming a replacement: a killed --force's hidden scratch beside OUT is said and cleared
    clear_scratch(out, "sweep-new", lambda note: print(f"gatesim: {note}", file=sys.stderr))
    with sweep_lock(out):
        return _run_locked(
            sweep, out, workers, scheduler, keep_events, force, on_start, on_done, task, assemble_results
        )


def replacement_dir(out: Path) -> Path:
    """Where ``--force`` builds the new sweep beside the old one (a fixed name: a killed
    replacement is resumed by the same command with ``--force``)."""
    out = Path(os.path.abspath(out))
    return out.parent / f".{out.name}.sweep-new"


def _replace(
    sweep: Sweep,
    out: Path,
    workers: int | None,
    scheduler: str | None,
    keep_events: bool,
    on_start: Callable[[int, int], Any] | None,
    on_done: Callable[[Task, dict[str, Any]], None] | None,
    task: Callable[..., dict[str, Any]],
    assemble_results: bool,
) -> SweepOutcome:
    """``--force`` over an existing sweep: the old one stays whole until the new one is complete.

    The new sweep is built (resumably) in a hidden sibling, then swapped in
    with one atomic exchange (gatesim.outputs.swap_dir). Killed or failed at
    any point before, ``out`` is the old sweep, untouched; the same command
    again resumes the new one in the sibling.
    """
    from gatesim.outputs import swap_dir, tidy_parked

    here = Path.cwd().resolve()
    if here == out.resolve() or out.resolve() in here.parents:
        raise InputError(
            "is the current directory or contains it: --force cannot swap it",
            key="--out",
            given=str(out),
            allowed="run from outside it, or another directory",
        )
    tidy_parked(out)  # an old sweep parked by a swap cut short is put back first
    new = replacement_dir(out)
    with sweep_lock(out):  # no other sweep writes the old one meanwhile
        if new.exists() and not new.is_dir():
            new.unlink()
        with sweep_lock(new):
            old = _spec_hash(new / SPEC_FILE)
            if old != sweep.hash and not _half_created(new):
                _clear(new)  # our own scratch, of another sweep (or damaged): start it over
            outcome = _run_locked(
                sweep, new, workers, scheduler, keep_events, False, on_start, on_done, task, assemble_results
            )
            if outcome.lost:  # incomplete: keep the old sweep; the same command resumes this one
                return outcome
            swap_dir(new, out)
    return outcome


def _spec_hash(path: Path) -> Any:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data.get("hash") if isinstance(data, dict) else None


def _run_locked(
    sweep: Sweep,
    out: Path,
    workers: int | None,
    scheduler: str | None,
    keep_events: bool,
    force: bool,
    on_start: Callable[[int, int], Any] | None,
    on_done: Callable[[Task, dict[str, Any]], None] | None,
    task: Callable[..., dict[str, Any]],
    assemble_results: bool,
) -> SweepOutcome:
    prepare_dir(out, sweep, force)
    tasks = sweep.tasks
    damaged: list[str] = []
    todo = [t for t in tasks if not _is_done(out, t, keep_events, damaged)]
    outcome = SweepOutcome(total=len(tasks), skipped=len(tasks) - len(todo), ran=0, damaged=damaged)
    scenarios = {p.index: p.scenario for p in sweep.points}
    workers = workers or usable_cores()

    def args(t: Task) -> tuple:
        ev = str(_events_path(out, t).resolve()) if keep_events else None
        return (scenarios[t.point], sweep.days, t.replication, sweep.seed, ev)

    done = on_done or _no_note

    def finish(t: Task, result: dict[str, Any]) -> None:
        _save(out, t, sweep.seed, result)
        outcome.ran += 1
        if result["error"]:
            outcome.failed.append(t.id)
        done(t, result)

    def started() -> None:
        (on_start or _no_note)(len(todo), outcome.skipped)

    try:
        if not todo or (scheduler is None and min(workers, len(todo)) == 1):
            started()
            for t in todo:  # serial, in this process: no pool to start
                finish(t, task(*args(t)))
        else:
            with _executor(min(workers, len(todo)), scheduler) as ex:
                futures = {ex.submit(task, *args(t)): t for t in todo}
                # Only now (workers forked) may a progress bar start its refresh thread.
                started()
                _gather(ex, futures, scheduler, out, outcome, finish, done)
    except KeyboardInterrupt:
        raise SweepInterrupted(outcome.skipped + outcome.ran, outcome.total) from None
    if not assemble_results:
        return outcome
    outcome.results = assemble(sweep, out, lost=set(outcome.lost))
    outcome.failed = [t.id for t in tasks if t.id not in outcome.lost and _load(out, t)["error"]]
    return outcome


def _no_note(*_: Any) -> None:
    """No caller to tell (no progress bar)."""


def usable_cores() -> int:
    """The cores this process may use (a container or taskset may allow fewer than the machine's)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _gather(
    ex: Any,
    futures: dict[cf.Future, Task],
    scheduler: str | None,
    out: Path,
    outcome: SweepOutcome,
    finish: Callable[[Task, dict[str, Any]], None],
    on_done: Callable[[Task, dict[str, Any]], None],
) -> None:
    """Each task's result as it ends. A task the executor failed (worker died, pool broken) is
    lost, not kept; a lost dask scheduler ends the sweep in one line (what is done is kept)."""

    def lost(exc: BaseException | None) -> EnvironmentFailure:
        return EnvironmentFailure(
            f"--scheduler {scheduler}: lost the dask scheduler mid-sweep "
            f"({_lost_reason(ex, exc)}); "
            f"{outcome.skipped + outcome.ran} of {outcome.total} tasks done and kept in {out}; "
            "run the same command to resume"
        )

    pending = set(futures)
    while pending:
        # a client that gave up on its scheduler does not always fail the futures it holds:
        # look at it whenever nothing ends for a while, instead of waiting on them for ever
        ended, pending = cf.wait(pending, timeout=WATCH_S, return_when=cf.FIRST_COMPLETED)
        if not ended and scheduler is not None and _scheduler_lost(ex, None):
            raise lost(None)
        for fut in sorted(ended, key=lambda f: futures[f].id):
            t = futures[fut]
            try:
                result = fut.result()
            except Exception as exc:
                if scheduler is not None and _scheduler_lost(ex, exc):
                    raise lost(exc) from None
                outcome.lost.append(t.id)
                on_done(t, {"rows": [], "error": error_text(exc), "wall_s": 0.0})
                continue
            finish(t, result)


def _load(out: Path, task: Task) -> dict[str, Any]:
    record = _read_record(_task_path(out, task))
    if record is None:
        raise InputError(
            "task file is damaged or missing; run the same command to run that task again",
            file=str(_task_path(out, task)),
        )
    return record


def assemble(sweep: Sweep, out: Path, lost: AbstractSet[str] = frozenset()) -> pd.DataFrame:
    """Build results.csv and results_ci.csv from the task files (every task must have one)."""
    records: list[dict[str, Any]] = []
    utils: list[str] = []
    for t in sweep.tasks:
        point = sweep.points[t.point]
        head = {"point": t.point, **t.params, "replication": t.replication, "seed": sweep.seed}
        label = f"{sweep.base_name}.p{t.point}"
        if t.id in lost:
            result: dict[str, Any] = {
                "rows": [],
                "error": "not run: the executor lost this task; rerun the sweep to retry it",
            }
        else:
            result = _load(out, t)
        rows = result["rows"] or [{"gate": g} for g in point.scenario.gates]
        for row in rows:
            utils.extend(k for k in row if is_stage_kpi(k) and k not in utils)
            records.append(
                {
                    **head,
                    "gate": row["gate"],
                    "scenario": label,
                    **{k: v for k, v in row.items() if k in KPI_COLUMNS or is_stage_kpi(k)},
                    "error": result["error"],
                }
            )
    columns = [
        "point",
        *sweep.param_names,
        "replication",
        "seed",
        "gate",
        "scenario",
        *KPI_COLUMNS,
        *utils,
        "error",
    ]
    # object dtype: each value is written as the task produced it (ints stay ints, NaN is empty).
    df = pd.DataFrame(records, columns=columns, dtype=object)
    write_csv(out / "results.csv", df)
    kpis = [*KPI_COLUMNS, *utils]
    ci = summary_ci(df, kpis, by=["point", *sweep.param_names, "gate"])
    write_csv(out / "results_ci.csv", ci)
    return df
