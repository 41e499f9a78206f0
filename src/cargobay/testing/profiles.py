"""THE Hypothesis profile registry, used by ``tests/`` and the conformance suite alike.

``dev`` (the default) is quick; ``ci`` is chosen when ``CI`` is set; ``long`` is for deep runs
(``HYPOTHESIS_PROFILE=long``, ``tox -e long`` / ``tox -e conformance-long``: 2,000 examples).
One registry, because profiles are global to a pytest session: ``pytest`` over ``tests`` and
``conformance`` loads both conftests, and two registries of the same names (tests: 50/100
examples, conformance: 25/40) meant the one loaded last - the conformance one - set the budget of
every test in a whole-suite run, while ``pytest tests/...`` alone ran 2.5 times as many examples.
The numbers below are the ones the whole-suite run (and CI) already used, so a partial run now
tests what CI tests and CI takes no longer. Stateful machines (the differential conformance test)
size themselves from the loaded profile's ``max_examples`` and ``stateful_step_count``.

``too_slow`` is suppressed outside ``long`` too: the machines these suites run on are shared, and
a health check that measures generation time fails on load, not on a slow strategy.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings


def register_profiles() -> None:
    """Register ``dev``, ``ci`` and ``long`` (idempotent: registering again replaces them)."""
    settings.register_profile(
        "dev", max_examples=25, stateful_step_count=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
    settings.register_profile(
        "ci",
        max_examples=40,
        stateful_step_count=25,
        deadline=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
    settings.register_profile(
        "long", max_examples=2000, stateful_step_count=40, deadline=None, suppress_health_check=list(HealthCheck)
    )


def load_profile() -> None:
    """Register the profiles and load ``$HYPOTHESIS_PROFILE``, else ``ci`` under CI, else ``dev``."""
    register_profiles()
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))
