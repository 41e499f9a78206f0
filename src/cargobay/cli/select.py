"""``cargobay select SRC [rules]``: print what a selection would take from a tree.

This module owns the command line of selection: it turns flags into the ordered rule list
(command-line order is the rule order; see :mod:`cargobay.select.selection`), parses sizes and
ages, and prints. It decides nothing about matching.

Output: selected paths relative to SRC, one per line, sorted (code-point order, as S3 lists);
``-0`` separates them with NUL instead; ``--count`` prints only the number; ``--json`` prints
``{"root", "count", "entries": [{"path", "type", "size", "mtime"}]}``. Names that are not
valid UTF-8 are written as their original bytes (plain output) or with ``\\udcXX`` escapes (JSON).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from typing import Any

from cargobay.errors import CargobayError, UsageError

_SIZE_UNITS = {"": 1, "b": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50}
_AGE_UNITS = {
    "ms": 0.001,
    "s": 1,
    "m": 60,
    "h": 3600,
    "d": 86400,
    "w": 7 * 86400,
    "M": 30 * 86400,
    "y": 365 * 86400,
}


def parse_size(text: str) -> int:
    """``1234``, ``10k``, ``1.5M``, ``2G``, ``3KiB``: binary multiples (rclone's convention)."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([bBkKmMgGtTpP]?)(?:i?[bB])?\s*", text, re.ASCII)
    if m is None:
        raise argparse.ArgumentTypeError(f"invalid size {text!r} (examples: 100, 10k, 1.5M, 2G)")
    return int(float(m.group(1)) * _SIZE_UNITS[m.group(2).lower()])


def parse_age(text: str) -> float:
    """``90`` (seconds), ``500ms``, ``30s``, ``15m``, ``2h``, ``3d``, ``1w``, ``6M`` (30 d), ``1y``."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|[smhdwMy]?)\s*", text, re.ASCII)
    if m is None:
        raise argparse.ArgumentTypeError(f"invalid age {text!r} (examples: 30s, 15m, 2h, 3d, 1w, 6M, 1y)")
    return float(m.group(1)) * _AGE_UNITS[m.group(2) or "s"]


class _OrderedRule(argparse.Action):
    """Append ``(kind, value)`` to ``args.rules`` so rules keep their command-line order."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: Any = None,
    ) -> None:
        rules = getattr(namespace, "rules", None) or []
        rules.append((self.const, values))
        namespace.rules = rules


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "select",
        help="print the files a set of include/exclude rules selects from a tree",
        description=(
            "Print the files under SRC that the rules select, relative to SRC, sorted. Rules are "
            "gitignore-style patterns; --include/--exclude/--*-from/--*-group form one list in "
            "command-line order and the first match wins. If any include rule is given, files no "
            "rule matches are excluded. Per-directory .cargobayignore files (gitignore semantics) "
            "can only remove files."
        ),
    )
    parser.add_argument("src", metavar="SRC", help="the tree to select from")
    rules = parser.add_argument_group("rules (in command-line order, first match wins)")
    for flag, kind, meta, text in (
        ("--include", "include", "PATTERN", "select paths matching PATTERN"),
        ("--exclude", "exclude", "PATTERN", "drop paths matching PATTERN"),
        ("--include-from", "include_from", "FILE", "include patterns from FILE, one per line"),
        ("--exclude-from", "exclude_from", "FILE", "exclude patterns from FILE, one per line"),
        ("--filter-from", "filter_from", "FILE", "'+ PATTERN' / '- PATTERN' lines from FILE (rclone format)"),
        ("--include-group", "include_group", "GROUP", "include a named pattern group"),
        ("--exclude-group", "exclude_group", "GROUP", "exclude a named pattern group"),
    ):
        rules.add_argument(flag, action=_OrderedRule, const=kind, dest="rules", metavar=meta, help=text)
    parser.set_defaults(rules=[])
    more = parser.add_argument_group("other filters")
    more.add_argument(
        "--exclude-if-present",
        action="append",
        default=[],
        metavar="NAME",
        help="skip every directory that contains an entry called NAME (repeatable)",
    )
    more.add_argument("--min-size", type=parse_size, metavar="SIZE", help="only files of at least SIZE")
    more.add_argument("--max-size", type=parse_size, metavar="SIZE", help="only files of at most SIZE")
    more.add_argument("--min-age", type=parse_age, metavar="AGE", help="only files modified at least AGE ago")
    more.add_argument("--max-age", type=parse_age, metavar="AGE", help="only files modified at most AGE ago")
    more.add_argument(
        "--ignore-file-name",
        default=".cargobayignore",
        metavar="NAME",
        help="per-directory ignore file name (default: .cargobayignore)",
    )
    more.add_argument("--no-ignore-files", action="store_true", help="do not read per-directory ignore files")
    out = parser.add_argument_group("output").add_mutually_exclusive_group()
    out.add_argument("--count", action="store_true", help="print only the number of selected files")
    out.add_argument("--json", action="store_true", help="print a JSON document with path, type, size, mtime")
    out.add_argument("-0", "--null", action="store_true", help="separate paths with NUL instead of newline")
    parser.set_defaults(handler=run, fast_exit=True)


def run(args: argparse.Namespace) -> int:
    from cargobay.select import build_selection, walk
    from cargobay.select.walk import walk_paths

    selection = build_selection(
        rules=args.rules,
        exclude_if_present=args.exclude_if_present,
        min_size=args.min_size,
        max_size=args.max_size,
        min_age=args.min_age,
        max_age=args.max_age,
        ignore_file_name=None if args.no_ignore_files else args.ignore_file_name,
    )
    if not os.path.isdir(args.src):
        raise UsageError(f"not a directory: {args.src!r}")
    try:
        if not args.json:
            # Paths only: walk_paths hands over a directory's files as one list (no entry object
            # per file), and the output is encoded once, as os.fsencode would encode each path.
            batches = walk_paths(args.src, selection)
            if args.count:
                sys.stdout.write(f"{sum(len(b) for b in batches)}\n")
                return 0
            sep = "\0" if args.null else "\n"
            text = "".join(sep.join(b) + sep for b in batches)
            out = sys.stdout.buffer
            sys.stdout.flush()
            out.write(text.encode(sys.getfilesystemencoding(), "surrogateescape"))
            out.flush()
            return 0
        entries = walk(args.src, selection, with_stat=True)
        docs = [
            {
                "path": e.path,
                "type": e.kind,
                "size": e.stat.st_size if e.stat else None,
                "mtime": e.stat.st_mtime if e.stat else None,
            }
            for e in entries
        ]
        import json  # only for --json output (import: 1 ms on every sync start otherwise)

        json.dump({"root": os.path.abspath(args.src), "count": len(docs), "entries": docs}, sys.stdout)
        sys.stdout.write("\n")
    except OSError as exc:
        raise CargobayError(f"cannot read {exc.filename or args.src!r}: {exc.strerror or exc}") from None
    return 0
