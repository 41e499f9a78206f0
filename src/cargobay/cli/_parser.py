"""The argument parser class of every ``cargobay`` command: a usage error is one line.

argparse prints the whole usage block before its error; cargobay prints one line naming the
argument and where help is (``cargobay sync: error: argument --part-size: ... (see cargobay sync
--help)``) and exits 2, as every other error does in one line (see :mod:`cargobay.cli`).
Subparsers inherit the class (``add_subparsers`` defaults ``parser_class`` to the parent's).
"""

from __future__ import annotations

import argparse
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NoReturn


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            sys.stderr.write(message)
        raise SystemExit(status)
