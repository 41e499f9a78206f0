"""The whole test suite's Hypothesis profiles: ``dev`` (default), ``ci`` (when CI=true), ``long``.

Registered in one place, :mod:`cargobay.testing.profiles`, shared with the conformance suite.
"""

from __future__ import annotations

from cargobay.testing.profiles import load_profile

load_profile()
