"""The ``cargobay`` command: the only reader of argv and the environment.

Each subcommand lives in its own module in this package and exposes ``register(subparsers)``,
which adds its parser and sets ``handler`` to a function ``(args) -> int``. Handlers build the
frozen option dataclasses and call the library; they import heavy modules lazily so that
``cargobay --help`` stays fast.

Every :class:`~cargobay.errors.CargobayError` becomes one line on stderr and its exit code;
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from cargobay import __version__
from cargobay.errors import CargobayError

# Subcommand modules, in the order `cargobay --help` lists them. A module missing from a
# checkout (a feature still being built) is simply not offered.
COMMAND_MODULES = (
    "cargobay.cli.serve",
    "cargobay.cli.copy",
    "cargobay.cli.select",
    "cargobay.cli.sync",
    "cargobay.cli.check_sync",
    "cargobay.cli.conformance",
    "cargobay.cli.bench",
    "cargobay.cli.fsck",
)


def _command_name(module: str) -> str:
    return module.rsplit(".", 1)[1].replace("_", "-")


def _terminal_columns() -> int:
    """What ``shutil.get_terminal_size().columns`` answers (``COLUMNS``, else the terminal on
    stdout, else 80), without importing shutil (and with it zlib, bz2 and lzma)."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class _Parser(argparse.ArgumentParser):
    """argparse builds a help formatter on every ``add_argument`` (to check the metavar), and
    the formatter imports shutil for the terminal width unless it is given one: every command
    start paid for shutil and three compression modules. The width is given here."""

    def _get_formatter(self) -> argparse.HelpFormatter:
        return self.formatter_class(prog=self.prog, width=_terminal_columns() - 2)  # type: ignore[call-arg]


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The full parser; with ``only``, just that subcommand's (start-up stays fast: a command
    does not import every other command's dependencies)."""
    parser = _Parser(
        prog="cargobay",
        description="Move file trees between disks and S3 faithfully, fast, and with proof.",
    )
    parser.add_argument("--version", action="version", version=f"cargobay {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        if only is not None and _command_name(name) != only:
            continue
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    first = arguments[0] if arguments else None
    known = {_command_name(m) for m in COMMAND_MODULES}
    parser = build_parser(first if first in known else None)
    args = parser.parse_args(arguments)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(handler(args))
    except CargobayError as exc:
        print(f"cargobay {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"cargobay {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
