"""A lost dask scheduler is said in one line: dask's and tornado's loggers say nothing on stderr."""

from __future__ import annotations

import logging

import pytest

pytest.importorskip("distributed")


def test_every_configured_dask_and_tornado_logger_is_silenced(monkeypatch):
    import distributed  # noqa: F401  # its logging config sets tornado.application to ERROR

    from gatesim.sweep.runner import _quiet_dask_logs

    monkeypatch.delenv("GATESIM_DEBUG", raising=False)
    names = ["tornado.application", "tornado", "distributed", "distributed.client", "distributed.comm"]
    roots = ("tornado", "distributed")
    saved = {
        n: logging.getLogger(n).level
        for n in [*roots, *logging.root.manager.loggerDict]
        if n.split(".")[0] in roots
    }
    try:
        _quiet_dask_logs()
        for name in names:
            assert not logging.getLogger(name).isEnabledFor(logging.CRITICAL), name
    finally:
        for n, level in saved.items():
            logging.getLogger(n).setLevel(level)
