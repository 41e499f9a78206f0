"""``cargobay copy SRC DST``: copy a file or a tree, or mirror a tree, with progress and a summary.

A file source is copied with all its metadata (``copy2``). A directory source is brought up to
date on DST: new and changed entries are copied (size + mtime, or bytes with ``--checksum``),
unchanged ones are left alone; ``--mirror`` also deletes what SRC lacks. ``--dry-run`` prints the
plan and changes nothing. A progress bar (files, bytes, rate, ETA) is drawn on stderr only when
stderr is a terminal; a summary line ends every run; each failed entry gets one line on stderr and
the exit code is 1 if any entry failed. ``--exclude`` takes gitignore-style patterns, evaluated by
``cargobay.select`` (the same rule engine as ``cargobay select`` and ``cargobay sync``), so an
excluded directory is never opened.
"""

from __future__ import annotations

import argparse
import os
import sys

from cargobay.cli._progress import TransferBar
from cargobay.errors import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "copy",
        help="copy or mirror a file tree, keeping every byte and every bit of metadata",
        description="Copy SRC to DST (a tree is updated in place; --mirror also deletes extraneous entries).",
    )
    p.add_argument("src", metavar="SRC")
    p.add_argument("dst", metavar="DST")
    p.add_argument("--mirror", action="store_true", help="delete destination entries the source does not have")
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help=(
            "threads: one walks and copies small files, the rest copy big files "
            "(default: one per CPU other processes leave idle, 1 to 8)"
        ),
    )
    p.add_argument("--checksum", action="store_true", help="compare file contents, not just size and mtime")
    p.add_argument("--verify", action="store_true", help="re-read every copied file and compare it to the source")
    p.add_argument("--dry-run", action="store_true", help="print what would be done; change nothing")
    p.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="PATTERN",
        help="gitignore-style pattern, relative to SRC (repeatable)",
    )
    p.add_argument("--follow-symlinks", action="store_true", help="copy what symlinks point to, not the links")
    p.add_argument("--no-hardlinks", action="store_true", help="copy each hard link as a separate file")
    p.add_argument("--durable", action="store_true", help="fsync every file and directory (slower)")
    p.add_argument(
        "--no-spread",
        action="store_true",
        help="do not mark DST 'top of a hierarchy' (chattr +T) during the copy; see CopyOptions.spread",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary")
    p.set_defaults(handler=run, fast_exit=True)


def run(args: argparse.Namespace) -> int:
    from cargobay import copy as cb
    from cargobay.errors import Interrupted

    if args.workers is not None and args.workers < 1:
        raise UsageError("--workers must be at least 1")
    if not os.path.lexists(args.src):
        raise UsageError(f"source does not exist: {args.src}")
    if not os.path.isdir(args.src):
        if args.dry_run:
            print(f"copy     {args.src} -> {args.dst}")
            return 0
        cb.copy2(args.src, args.dst, follow_symlinks=args.follow_symlinks, durable=args.durable)
        return 0
    select = None
    if args.exclude:
        from cargobay.select import build_selection

        select = build_selection(exclude=args.exclude, ignore_file_name=None)
    show_progress = sys.stderr.isatty() and not args.quiet and not args.dry_run
    with TransferBar(show_progress, "copy") as bar:
        try:
            report = cb.mirror(
                args.src,
                args.dst,
                delete=args.mirror,
                checksum=args.checksum,
                dry_run=args.dry_run,
                workers=args.workers,
                symlinks=not args.follow_symlinks,
                hardlinks=not args.no_hardlinks,
                verify=args.verify,
                durable=args.durable,
                spread=not args.no_spread,
                select=select,
                progress=(
                    # While the walk runs the totals still grow: counts and a spinner, no bar or ETA.
                    lambda p: bar.update(
                        p.bytes_done,
                        None if p.walking else p.bytes_seen,
                        p.files_done,
                        None if p.walking else p.files_seen,
                    )
                )
                if show_progress
                else None,
            )
        except Interrupted as stopped:
            report = stopped.report
    for action in report.planned:
        print(action)
    for failure in report.errors:
        print(f"cargobay copy: {failure}", file=sys.stderr)
    if not args.quiet:
        print(report.summary(), flush=True)
    if report.interrupted:
        print("cargobay copy: interrupted", file=sys.stderr)
        return 130
    return 0 if report.ok else 1
