"""Hypothesis profiles for the conformance suite: ``dev`` (default), ``ci`` (when CI=true) and
``long`` (``HYPOTHESIS_PROFILE=long``; at least 2,000 stateful examples).

Same names and selection rule as ``tests/conftest.py``. The differential machine sizes itself from
the loaded profile's ``max_examples`` and ``stateful_step_count``.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings


def load_profile() -> None:
    settings.register_profile("dev", max_examples=25, stateful_step_count=25, deadline=None,
                              suppress_health_check=[HealthCheck.too_slow])
    settings.register_profile("ci", max_examples=40, stateful_step_count=25, deadline=None, print_blob=True,
                              suppress_health_check=[HealthCheck.too_slow])
    settings.register_profile("long", max_examples=2000, stateful_step_count=40, deadline=None,
                              suppress_health_check=list(HealthCheck))
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))
