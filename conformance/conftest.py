"""Conformance-only fixtures and profiles: the suite's own conftest, re-exported.

The plugin (endpoints, capability table, ``s3``/``bucket`` fixtures) is loaded by the
``cargobay_s3`` pytest11 entry point, not by ``pytest_plugins`` here.
"""

from __future__ import annotations

from cargobay.testing.conformance_suite.conftest import *  # noqa: F403
