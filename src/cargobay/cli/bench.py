"""``cargobay bench {s3,copy,select,sync,soak}``: side-by-side benchmarks against peers.

Each workload lives in ``cargobay.bench.<name>`` and exposes ``add_arguments(parser)`` and
``run(args) -> int``. Nothing of it is imported to build ``cargobay bench --help``: a workload's
module is imported (and its arguments added) only when argparse parses that workload's own
arguments, so the base install (without the ``bench`` extra) can list and describe every workload.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence
from typing import Any

from cargobay.cli._parser import Parser

WORKLOADS = {
    "s3": "S3 servers: seed workload, small objects, large object, listing",
    "copy": "tree copy against cp -a, rsync -a and shutil.copytree",
    "select": "selection against find and an fnmatch matcher",
    "sync": "no-change re-sync of 10,000 files against rclone sync --checksum and rclone sync",
    "soak": "mixed load for --minutes: p50/p99 latency, errors (must be 0), server RSS over time",
}


class _WorkloadParser(Parser):
    """A workload's parser that imports the workload's module the first time it parses."""

    workload: str | None = None

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        if self.workload is not None:
            module = importlib.import_module(f"cargobay.bench.{self.workload}")
            module.add_arguments(self)
            self.set_defaults(handler=module.run)
            self.workload = None
        return super().parse_known_args(args, namespace)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("bench", help="benchmark cargobay against its peers in one run")
    workloads = parser.add_subparsers(dest="workload", metavar="WORKLOAD", required=True, parser_class=_WorkloadParser)
    for name, help_text in WORKLOADS.items():
        sub = workloads.add_parser(name, help=help_text, description=help_text)
        sub.workload = name
