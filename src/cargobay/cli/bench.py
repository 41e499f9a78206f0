"""``cargobay bench {s3,copy,select}``: side-by-side benchmarks against peers.

Each workload lives in ``cargobay.bench.<name>`` and exposes ``add_arguments(parser)`` and
``run(args) -> int``; it is imported only when its subcommand runs.
"""

from __future__ import annotations

import importlib
from typing import Any

WORKLOADS = {
    "s3": "S3 servers: seed workload, small objects, large object, listing",
    "copy": "tree copy against cp -a, rsync -a and shutil.copytree",
    "select": "selection against find and an fnmatch matcher",
    "sync": "no-change re-sync of 10,000 files against rclone sync --checksum and rclone sync",
    "soak": "mixed load for --minutes: p50/p99 latency, errors (must be 0), server RSS over time",
}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("bench", help="benchmark cargobay against its peers in one run")
    workloads = parser.add_subparsers(dest="workload", metavar="WORKLOAD", required=True)
    for name, help_text in WORKLOADS.items():
        try:
            module = importlib.import_module(f"cargobay.bench.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"cargobay.bench.{name}":
                continue
            raise
        sub = workloads.add_parser(name, help=help_text)
        module.add_arguments(sub)
        sub.set_defaults(handler=module.run)


