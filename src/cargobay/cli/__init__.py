"""The ``cargobay`` command: the only reader of argv and the environment.

Each subcommand lives in its own module in this package and exposes ``register(subparsers)``,
which adds its parser and sets ``handler`` to a function ``(args) -> int``. Handlers build the
frozen option dataclasses and call the library; they import heavy modules lazily so that
``cargobay --help`` stays fast and works with only the base install (no extras).

One rule for every command, enforced by ``tests/cli/test_base_install.py``: a failure is one line
on stderr naming the thing and the fix, and an exit status from :data:`EXIT_CODES`. Never a
traceback, unless ``--debug`` (or ``CARGOBAY_DEBUG=1``) asks for one:

* :class:`~cargobay.errors.CargobayError`: its message and its ``exit_code``;
* an :class:`OSError` that escaped a command (a destination that cannot be created, a host name
  that does not resolve): the system's reason and the file or host it names, exit 1;
* a missing optional package: which one, and the extra that brings it, exit 1;
* Ctrl-C: ``interrupted``, exit 130 (the long commands print what they finished first);
* anything else is a bug: one line saying so, exit 1, the traceback with ``--debug``.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
from collections.abc import Sequence

from cargobay import __version__
from cargobay.cli._parser import Parser
from cargobay.errors import CargobayError

# Subcommand modules, in the order `cargobay --help` lists them.
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

#: The documented exit statuses of every command.
EXIT_CODES = {"ok": 0, "failure": 1, "usage": 2, "interrupted": 130}

# Optional packages a command may need, and the extra that installs them.
_EXTRA_FOR = {
    "psutil": "bench",
    "matplotlib": "bench",
    "pyinstrument": "bench",
    "moto": "bench",
    "asv": "bench",
    "pytest": "test",
    "hypothesis": "test",
}


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


class _Parser(Parser):
    """argparse builds a help formatter on every ``add_argument`` (to check the metavar), and
    the formatter imports shutil for the terminal width unless it is given one: every command
    start paid for shutil and three compression modules. The width is given here (subparsers
    inherit the class)."""

    def _get_formatter(self) -> argparse.HelpFormatter:
        return self.formatter_class(prog=self.prog, width=_terminal_columns() - 2)  # type: ignore[call-arg]


def build_parser(only: str | None = None) -> Parser:
    """The full parser; with ``only``, just that subcommand's (start-up stays fast: a command
    does not import every other command's dependencies)."""
    parser = _Parser(
        prog="cargobay",
        description="Move file trees between disks and S3 faithfully, fast, and with proof.",
        epilog="Exit status: 0 done, 1 failed, 2 bad usage, 130 interrupted (Ctrl-C).",
    )
    parser.add_argument("--version", action="version", version=f"cargobay {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the traceback of an error (also CARGOBAY_DEBUG=1)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        if only is not None and _command_name(name) != only:
            continue
        importlib.import_module(name).register(subparsers)
    return parser


def describe_error(exc: BaseException) -> tuple[str, int]:
    """The one line (without the ``cargobay CMD: error:`` prefix) and the exit status for ``exc``."""
    if isinstance(exc, CargobayError):
        return str(exc), exc.exit_code
    client_line = _s3_client_error(exc)
    if client_line is not None:
        return client_line, 1
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        top = exc.name.split(".")[0]
        extra = _EXTRA_FOR.get(top, "all")
        return f"this needs the Python package {top!r}, which is not installed: pip install 'cargobay[{extra}]'", 1
    import socket  # only on the error path: start-up stays lean

    if isinstance(exc, socket.gaierror):
        return f"cannot resolve the host name ({exc.strerror or exc}): give an IP address or a name that resolves", 1
    if isinstance(exc, OSError):
        reason = exc.strerror or str(exc) or type(exc).__name__
        names = [str(n) for n in (exc.filename, exc.filename2) if n is not None]
        where = f"{' -> '.join(names)}: " if names else ""
        return f"{where}{reason}{_os_hint(exc)}", 1
    first = (str(exc).splitlines() or [""])[0]
    return f"internal error {type(exc).__name__}: {first} (a bug: rerun with --debug and report the traceback)", 1


def _s3_client_error(exc: BaseException) -> str | None:
    """botocore's connection and credential errors, by class name (botocore is not imported here)."""
    if not type(exc).__module__.startswith("botocore"):
        return None
    name = type(exc).__name__
    if name in ("NoCredentialsError", "PartialCredentialsError"):
        return f"{exc}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or give --profile"
    if name in ("EndpointConnectionError", "ConnectTimeoutError", "ConnectionClosedError", "ReadTimeoutError"):
        return f"{exc}: is the server running, and is --endpoint right?"
    if name == "ProfileNotFound":
        return f"{exc}: check --profile against ~/.aws/config"
    return f"{name}: {(str(exc).splitlines() or [''])[0]}"


def _os_hint(exc: OSError) -> str:
    import errno

    hints = {
        errno.EACCES: " (check the permissions of the path, or choose another)",
        errno.EPERM: " (check the permissions of the path, or choose another)",
        errno.ENOENT: " (check that the path, and its parent directory, exist)",
        errno.ENOTDIR: " (a part of the path is a file, not a directory)",
        errno.EROFS: " (the file system is read-only: choose another destination)",
        errno.ENOSPC: " (the disk is full)",
        errno.EADDRINUSE: " (another program uses the port: choose another with --port)",
        errno.EADDRNOTAVAIL: " (the address is not one of this machine's: check --host)",
    }
    return hints.get(exc.errno or 0, "")


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command (``argv``, else the process's arguments); its exit status.

    Run as the program (``argv`` None), a command that sets ``fast_exit`` (copy, select, sync:
    runs whose whole time users see, often short) ends the process as soon as its output is flushed:
    tearing the interpreter down (every module's globals, ~5 ms of CPU) serves no one when the
    process is about to go. Its work is done by then: threads joined, files closed, children
    reaped, nothing registered with ``atexit``.
    """
    code, fast_exit = _run_command(argv)
    if argv is None and fast_exit:
        try:
            for stream in (sys.stdout, sys.stderr):
                if stream is not None:
                    stream.flush()
        except BrokenPipeError:  # the reader went away (``cargobay select | head``)
            code = code or 1
        except OSError as exc:
            print(f"cargobay: error: cannot write the output: {exc.strerror or exc}", file=sys.__stderr__)
            code = code or 1
        os._exit(code)
    return code


def _run_command(argv: Sequence[str] | None) -> tuple[int, bool]:
    """(exit status, whether the command that ran and finished asked for the fast exit)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    debug = os.environ.get("CARGOBAY_DEBUG", "") not in ("", "0")
    command = "cargobay"
    try:
        known = {_command_name(m) for m in COMMAND_MODULES}
        first = next((a for a in arguments if not a.startswith("-")), None)
        if first is None and "--version" in arguments and not {"-h", "--help"} & set(arguments):
            first = ""  # no command's module is imported to print the version (serve's pulls in asyncio)
        parser = build_parser(first if first in known or first == "" else None)
        args = parser.parse_args(arguments)
        debug = debug or args.debug
        handler = getattr(args, "handler", None)
        if handler is None:
            parser.print_help(sys.stderr)
            return 2, False
        command = f"cargobay {args.command}"
        return int(handler(args)), bool(getattr(args, "fast_exit", False))
    except KeyboardInterrupt:
        print(f"{command}: interrupted", file=sys.stderr)
        return 130, False
    except BrokenPipeError:
        # The reader went away (``cargobay select | head``): not an error of ours.
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - no flush error at exit
        return 1, False
    except Exception as exc:
        if debug:
            import traceback

            traceback.print_exc()
        line, code = describe_error(exc)
        print(f"{command}: error: {line}", file=sys.stderr)
        return code, False


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
