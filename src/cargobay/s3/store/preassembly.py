"""The object of a multipart upload, assembled while its parts arrive instead of at completion.

Completing an upload concatenates its parts into a new file and fsyncs it: for 256 MiB that is
a 256 MiB in-kernel copy plus a 256 MiB write-out (~0.2 s here), all between the client's
CompleteMultipartUpload and its answer. Most uploads use one part size for every part but the
last, so part N's bytes will land at ``(N - 1) * size``: as soon as a part is recorded it is
copied to that offset of a temp file beside the key, and its write-out starts at once
(:mod:`.writeback`). At completion, if the temp file holds exactly the chosen parts (each at
the offset the concatenation puts it, and no other bytes below the end), it is truncated and
published; otherwise it is discarded and the parts are concatenated as before.

The parts in the staging directory stay the truth: the temp file is only a head start, a
``.cargobay-tmp-`` file that nothing reads and that any crash leaves as removable debris. Its
bytes are fsynced by the ordinary publish path before the key shows them, as for every PUT.

What is known about each placed region is recorded with the name of the part file it came from,
so a re-uploaded part (a new file name) is never mistaken for the old one. Copies into one temp
file are serialised by its lock; taking the file for completion marks it finished, so a copy
that comes later does nothing.

This module knows nothing of HTTP.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence

from cargobay._fsutil import AtomicFile
from cargobay.s3.store.metadb import PartRow
from cargobay.s3.store.writeback import start_writeback

_MAX_REBASE = 4  # parts placed before a larger one arrives that are copied again; more: give up
CopyRange = Callable[[int, int, int, int, int], None]  # (src fd, dst fd, src offset, dst offset, count)


class PreAssembly:
    """The temp file of one upload being assembled at fixed part offsets (see the module docs)."""

    def __init__(self, temp: AtomicFile, stride: int, *, copy: CopyRange, durable: bool) -> None:
        self.temp = temp
        self.stride = stride  # the size of every part but the last
        self._copy = copy
        self._durable = durable
        self._lock = threading.Lock()
        self._placed: dict[int, tuple[str, int]] = {}  # part number -> (part file at its offset, size)
        self._finished = False

    def place(self, part_number: int, size: int, file_name: str, path: str) -> None:
        """Copy a recorded part (``path``, named ``file_name`` in its row) to its offset.

        A part larger than the stride means the stride was set by a short (last) part that
        arrived first: the stride becomes the larger size and the parts already placed are
        copied again to their new offsets (from their own files), so every byte below a chosen
        part's end was written after the last change of stride."""
        with self._lock:
            if self._finished:
                return
            if size > self.stride:
                if len(self._placed) > _MAX_REBASE:
                    self._give_up()
                    return
                self.stride = size
                directory = os.path.dirname(path)
                for number, (name, placed_size) in list(self._placed.items()):
                    self._put(number, placed_size, name, os.path.join(directory, name))
            self._put(part_number, size, file_name, path)

    def _put(self, part_number: int, size: int, file_name: str, path: str) -> None:
        self._placed.pop(part_number, None)
        try:
            src = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return  # replaced by a newer upload of the part meanwhile
        offset = (part_number - 1) * self.stride
        try:
            self._copy(src, self.temp.fd, 0, offset, size)
        except OSError:
            self._give_up()  # ENOSPC and friends: completion concatenates instead
            return
        finally:
            os.close(src)
        if self._durable:
            start_writeback(self.temp.fd, offset, size)
        self._placed[part_number] = (file_name, size)

    def take(self, chosen: Sequence[PartRow]) -> AtomicFile | None:
        """The temp file, cut to the chosen parts' total, if it holds exactly their bytes in
        order; else None (the caller then discards this and concatenates)."""
        with self._lock:
            if self._finished:
                return None
            offset = 0
            for row in chosen:
                if self._placed.get(row.part_number) != (row.file, row.size) or (
                    (row.part_number - 1) * self.stride != offset
                ):
                    return None
                offset += row.size
            try:
                os.ftruncate(self.temp.fd, offset)  # parts above the last chosen one go
            except OSError:
                return None
            self._finished = True
            return self.temp

    def discard(self) -> None:
        with self._lock:
            self._give_up()

    def _give_up(self) -> None:
        self._finished = True
        self._placed.clear()
        self.temp.abort()
