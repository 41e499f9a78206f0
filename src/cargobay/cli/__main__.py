"""``python -m cargobay.cli``."""

from __future__ import annotations

import sys

from cargobay.cli import main

sys.exit(main())
