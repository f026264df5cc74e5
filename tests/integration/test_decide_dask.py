"""gatesim optimise on a real dask.distributed cluster gives the same evaluations.csv as a local pool."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

pytest.importorskip("distributed")

from gatesim.cli import main  # noqa: E402
from tests.integration.test_decide_optimise import tpe_study  # noqa: E402
from tests.integration.test_sweep_dask import cluster  # noqa: E402, F401 - the scheduler + 2 workers fixture

# A local dask cluster per module costs ~30-60 s on 2 cores: in the slow tier, which .ci/run
# runs after the default tests (the default run stays under 10 min).
pytestmark = [pytest.mark.slow, pytest.mark.integration]


def test_optimise_on_dask_same_bytes_as_local(cluster, tmp_path):  # noqa: F811
    address, _ = cluster
    spec = tpe_study(tmp_path)
    local = CliRunner().invoke(main, ["optimise", str(spec), "--out", str(tmp_path / "l"), "-j", "1", "-q"])
    remote = CliRunner().invoke(
        main, ["optimise", str(spec), "--out", str(tmp_path / "d"), "--scheduler", address, "-q"]
    )
    assert local.exit_code == remote.exit_code, (local.output, remote.output)
    assert (tmp_path / "l" / "evaluations.csv").read_bytes() == (
        tmp_path / "d" / "evaluations.csv"
    ).read_bytes()
