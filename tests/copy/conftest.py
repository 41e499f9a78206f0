"""Fault injection for copy tests: act when one source file is about to be written, on every
write path (a batch's general steps, ``BatchRunner._copy_new_files`` and the bulk helpers all fill
a destination through ``FileWriter._fill``)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from cargobay.copy import writer


@pytest.fixture
def on_source(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path, str, Callable[[], object] | BaseException], None]:
    """``on_source(src_root, rel, action)``: before the bytes of ``src_root/rel`` are copied,
    raise ``action`` if it is an exception, else call it (it raises, or ends the process)."""

    def install(src_root: Path, rel: str, action: Callable[[], object] | BaseException) -> None:
        real = writer.FileWriter._fill
        target = os.path.realpath(src_root / rel)

        def fill(self: writer.FileWriter, sfd: int, dfd: int, st: os.stat_result) -> int:
            if os.readlink(f"/proc/self/fd/{sfd}") == target:
                if isinstance(action, BaseException):
                    raise action
                action()
            return real(self, sfd, dfd, st)

        monkeypatch.setattr(writer.FileWriter, "_fill", fill)

    return install
