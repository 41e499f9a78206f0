"""Soak (short version for CI): 32 keep-alive clients run a mixed workload for ~20 s against the
real ``cargobay serve``; zero errors, and the server's RSS after warm-up stays bounded (a memory
check, not a timing one). ``HYPOTHESIS_PROFILE=long`` runs 3 minutes; ``cargobay bench soak
--minutes 10`` is the long form with a report."""

from __future__ import annotations

import os

import psutil
import pytest

from cargobay.bench.s3_servers import start_endpoint
from cargobay.bench.soak import SoakOptions, render, run_soak

pytestmark = pytest.mark.reliability

DURATION = 180.0 if os.environ.get("HYPOTHESIS_PROFILE") == "long" else 20.0


def _rss(pid: int) -> int:
    """Resident set of the server process and its children, in bytes."""
    root = psutil.Process(pid)
    return sum(p.memory_info().rss for p in [root, *root.children(recursive=True)])


def test_soak_mixed_load_no_errors_and_bounded_rss() -> None:
    server = start_endpoint("cargobay", access_key="soakkey", secret_key="soaksecret", region="us-east-1")
    try:
        meter = server.meter
        assert meter is not None
        result = run_soak(
            server.target,
            SoakOptions(duration=DURATION, warmup=DURATION / 4, connections=32, keys=300, sample_interval=1.0),
            rss=lambda: _rss(meter.pid),
        )
    finally:
        server.stop()
    report = render(result, "cargobay serve (fsync on)")
    print(report)
    assert result.errors == 0, report
    assert result.ops > 1000 and result.misses < result.ops, report  # the load really ran
    assert result.rss_after_warmup > 0 and result.rss_final < 1.5 * result.rss_after_warmup, report
