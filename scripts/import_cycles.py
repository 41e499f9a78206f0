#!/usr/bin/env python3
"""List every import cycle among the modules of a package; exit 1 if there is one.

    python scripts/import_cycles.py            # cargobay
    python scripts/import_cycles.py cargobay.s3

A cycle is a strongly connected component of the module import graph that grimp (import-linter's
graph library) builds, counting every import, including those under ``TYPE_CHECKING`` and inside
functions, as import-linter does. import-linter's own ``acyclic_siblings`` contract checks cycles
between *sibling packages* (squashed); this checks single modules, which is what "no import cycle
under src/cargobay" means.
"""

from __future__ import annotations

import sys

import grimp


def cycles(package: str) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative), sorted."""
    graph = grimp.build_graph(package, cache_dir=None)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            module, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[module] = min(low[module], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[module])
            if low[module] == index[module]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == module:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return sorted(found)


def main(argv: list[str]) -> int:
    package = argv[0] if argv else "cargobay"
    found = cycles(package)
    for component in found:
        print("cycle:", " <-> ".join(component))
    print(f"{package}: {len(found)} import cycle(s)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
