"""cargobay._lazy: a lazily exported name imports its module on first access, and only then."""

from __future__ import annotations

import subprocess
import sys


def test_a_lazy_name_imports_its_module_on_first_use_only() -> None:
    script = (
        "import sys, cargobay.sync as s\n"
        "before = 'cargobay.sync.api' in sys.modules\n"
        "f = s.plan_sync\n"
        "print(before, 'cargobay.sync.api' in sys.modules, s.__dict__['plan_sync'] is f, 'plan_sync' in dir(s))\n"
        "try:\n    s.no_such_name\nexcept AttributeError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["False True True True", "module 'cargobay.sync' has no attribute 'no_such_name'"]
