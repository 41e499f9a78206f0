"""``python -m cargobay``."""

from __future__ import annotations

import sys

from cargobay.cli import main

sys.exit(main())
