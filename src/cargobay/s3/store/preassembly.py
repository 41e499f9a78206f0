"""The object of a multipart upload, assembled while its parts arrive instead of at completion.

Most uploads use one part size (the *stride*) for every part but the last, so part N's bytes
belong at ``(N - 1) * stride`` of the object. Each upload with a big part gets one *assembly
file* in its staging directory (``assembly.<random>``, beside the part files), and a part gets
there in one of two ways:

* **written in place** (:meth:`PreAssembly.reserve`): an UploadPart whose declared length fits
  the stride streams its body straight into the assembly file at its offset, through its own
  descriptor (:class:`RegionFile`), and is fsynced there before it is acknowledged. Its row names
  the region, ``assembly.<random>@<offset>`` (:func:`~.parts.region_ref`), instead of a part file: the
  bytes are written once, never copied again;
* **placed** (:meth:`PreAssembly.place`): a part that went to its own file (small bodies, copies,
  a re-upload of a region already written, a length that does not fit) is copied to its offset
  after it is recorded, as a head start; its row keeps naming its own file.

At completion, if the assembly file holds exactly the chosen parts (each at the offset the
concatenation puts it, none being written, no part written in place above the end), it is
renamed onto the key (:meth:`PreAssembly.lend`); otherwise the parts are concatenated from
where their rows say they are, as before.

Safety, which the speed must not cost:

* a region is written in place at most once per part number while its row can name it: a
  re-upload of a part already written, or being written, goes to its own file, so an
  acknowledged part's bytes are never overwritten by a later upload that may fail; a region
  that ever held a part written in place is never the target of a placement copy, so a
  completion reading a region (under the upload's lock) never sees it change; the lock of an
  assembly covers its bookkeeping, never a copy (parts of one upload are placed at once), and
  while a part is being copied into the file, or written in place, the file is not lent to a
  completion;
* the assembly file lives in the staging directory, so it goes with the upload (abort, sweep,
  completion) and is never mistaken for crash debris: fsck resolves region references
  (:func:`~.parts.split_ref`) and reports neither a false orphan nor a lost part; a crash in the middle
  of a part leaves bytes in a region no row names, which completion never reads. An assembly
  file no row names (it holds placed copies only) is the running store's: a stopped store
  unlinks it, so without a server it is crash debris (fsck's ``orphan-part-file``; the store
  removes it when it opens), while a served directory's is not reported;
* handed to the publish path, the file is renamed directly from the staging directory onto the
  key's verbatim path (one rename: at no moment do acknowledged parts sit under a temp name that
  fsck removes). A crash after that rename and before the upload is forgotten leaves the key's
  file holding exactly the parts (its ETag, or its bytes, say so: the store forgets the upload
  at its next start and fsck calls it ``upload-completed``). A key stored in the internal area
  is never the target (a file there without its row would be an orphan fsck moves away, taking
  acknowledged parts with it): such a completion, or one whose key turns internal meanwhile
  (:class:`TargetIsInternal`), concatenates. A failed publish (a precondition) gives the file
  back to its upload (:class:`_Borrowed`): the parts stay readable where their rows say, the
  staging directory holds what it held, and a retried completion can still rename it.

This module knows nothing of HTTP.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import threading
from collections.abc import Callable, Sequence
from typing import NamedTuple

from cargobay._fsutil import AtomicFile
from cargobay.s3.store.metadb import PartRow
from cargobay.s3.store.parts import region_ref
from cargobay.s3.store.writeback import start_writeback

_MAX_REBASE = 4  # parts placed before a larger one arrives that are copied again; more: give up
MIN_STRIDE = 4 << 20  # smaller first parts: no assembly file (the copy at completion is short anyway)
MAX_ASSEMBLIES = 32  # uploads assembled at once (each holds a descriptor)
ASSEMBLY_PREFIX = "assembly."
CopyRange = Callable[[int, int, int, int, int], None]  # (src fd, dst fd, src offset, dst offset, count)


class RegionFile:
    """Where a part written in place goes: its own descriptor on the assembly file, writing at
    ``offset`` onwards. The interface :class:`~cargobay.s3.store.pending.PendingPut` writes to."""

    def __init__(self, assembly: PreAssembly, part_number: int, offset: int, limit: int) -> None:
        self.assembly = assembly
        self.part_number = part_number
        self.offset = offset
        self.limit = limit  # bytes this region may hold (more would overwrite the next part)
        self.ref = region_ref(assembly.name, offset)
        self.written = 0
        self.fd = os.open(assembly.path, os.O_WRONLY | os.O_CLOEXEC)
        self._released = False

    def _room(self, size: int) -> None:
        if self.written + size > self.limit:
            raise OSError(f"part {self.part_number} is longer than its region of the assembly file")

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.writev([data])

    def writev(self, buffers: Sequence[bytes | bytearray | memoryview]) -> None:
        """Write ``buffers`` one after another at the region's next offset (one ``pwritev``; a
        short write is finished buffer by buffer)."""
        size = sum(map(len, buffers))
        self._room(size)
        at = self.offset + self.written
        done = os.pwritev(self.fd, buffers, at)
        if done < size:
            rest = memoryview(b"".join(buffers))[done:]
            while rest:
                n = os.pwrite(self.fd, rest, at + done)
                rest = rest[n:]
                done += n
        self.written += size

    def sync(self) -> None:
        """Make the region's bytes (and the file's length) durable."""
        os.fdatasync(self.fd)

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def abort(self) -> None:
        """The part failed: its region is free again (no row names it); nothing is unlinked."""
        self.close()
        self.release(recorded=False)

    def release(self, *, recorded: bool) -> None:
        if not self._released:
            self._released = True
            self.assembly.release(self, recorded=recorded)


class _Borrowed(AtomicFile):
    """The assembly file lent to the publish path as its temp file: :meth:`commit` renames it from
    the staging directory onto the key; :meth:`abort` (a failed precondition, say) gives it back
    to its upload as it was, so the upload's parts stay where their rows say and a retried
    completion can still use it. Its descriptor is its own (a duplicate)."""

    def __init__(self, assembly: PreAssembly, final_path: str, fd: int) -> None:
        self.final_path = final_path
        self.temp_path = assembly.path
        self.fd = fd
        self._done = False
        self._assembly = assembly

    def commit(self, *, durable: bool) -> None:
        super().commit(durable=durable)
        self._assembly.published()

    def abort(self) -> None:
        if self._done:
            return
        self._done = True
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        self._assembly.given_back()

    def move_to(self, directory: str) -> None:
        """Refuse: the key's target moved into the internal area (a directory appeared at its
        path). The completion concatenates instead (see the module docs)."""
        raise TargetIsInternal(errno.EXDEV, "the assembly file is published onto verbatim keys only")


class TargetIsInternal(OSError):
    """The completion's key is stored in the internal area: its assembly file is not renamed there."""


class _Copy(NamedTuple):
    """One placement: part ``number``'s own file (``name`` in its row, at ``path``) to ``offset``."""

    number: int
    size: int
    name: str
    path: str
    offset: int


class PreAssembly:
    """The assembly file of one upload (see the module docs).

    Its lock covers the bookkeeping only, never a byte moved: a part written in place writes
    through its own descriptor, and a placement copies through a duplicate of the file's, outside
    the lock, so the parts of one upload are placed at the same time. What the lock keeps true
    instead: a region is never the target of two writers (a part being copied, or written in
    place, is neither reserved nor placed again until it is done), and the file is never lent to
    a completion while anything is being written into it."""

    def __init__(self, directory: str, stride: int, *, copy: CopyRange, durable: bool) -> None:
        self.name = f"{ASSEMBLY_PREFIX}{secrets.token_hex(6)}"
        self.path = os.path.join(directory, self.name)
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
        self.stride = stride  # the size of every part but the last
        self._copy = copy
        self._durable = durable
        # Whether a directory fsync that began after the file was made has ended (its name
        # survives a crash): no part written in place is acknowledged before.
        self.name_durable = not durable
        self._lock = threading.Lock()
        self._placed: dict[int, tuple[str, int]] = {}  # part number -> (row file at its offset, size)
        self._writing: set[int] = set()  # parts being written in place now
        self._copying: set[int] = set()  # parts being copied to their offsets now
        self._in_place: set[int] = set()  # parts ever written in place (never a placement target)
        self._refs: set[int] = set()  # parts whose row names a region of this file: keep it
        self._lent = False  # handed to a completion's publish: no writes until it is given back
        self._finished = False

    # -- parts written in place ---------------------------------------------------------------

    def reserve(self, part_number: int, size: int) -> RegionFile | None:
        """The region of part ``part_number``, declared ``size`` bytes long, to write it in place;
        None when it must go to its own file (see the module docs)."""
        with self._lock:
            if (
                self._finished
                or self._lent
                or size > self.stride
                or part_number in self._writing
                or part_number in self._copying
                or part_number in self._placed
            ):
                return None
            region = RegionFile(self, part_number, (part_number - 1) * self.stride, self.stride)
            self._writing.add(part_number)
            self._in_place.add(part_number)
            return region

    def release(self, region: RegionFile, *, recorded: bool) -> None:
        """A region's writer is done: ``recorded`` -- its row names the region now."""
        with self._lock:
            self._writing.discard(region.part_number)
            if recorded:
                self._refs.add(region.part_number)
                self._placed[region.part_number] = (region.ref, region.written)

    def unref(self, part_number: int) -> None:
        """The row of ``part_number`` no longer names a region of this file (a re-upload)."""
        with self._lock:
            self._refs.discard(part_number)

    # -- parts in their own files ---------------------------------------------------------------

    def place(self, part_number: int, size: int, file_name: str, path: str) -> None:
        """Copy a recorded part (``path``, named ``file_name`` in its row) to its offset.

        A part larger than the stride means the stride was set by a short (last) part that
        arrived first: while nothing was written in place and nothing is being copied, the
        stride becomes the larger size and the parts already placed are copied again to their
        new offsets (from their own files), so every byte below a chosen part's end was written
        after the last change of stride. A region that ever held a part written in place is
        never overwritten. A part being copied already (a re-upload racing its predecessor) is
        not placed again: the older copy's entry names the older file, which no completion
        chooses, so the completion concatenates that part."""
        with self._lock:
            copies = self._plan(part_number, size, file_name, path)
            if not copies:
                return
            try:
                # Its own, taken under the lock: discarding the file meanwhile cannot close it
                # under the copy (nor hand its number to another file).
                fd = os.dup(self.fd)
            except OSError:  # out of descriptors: completion concatenates instead
                self._copying.difference_update(copy.number for copy in copies)
                if not self._in_place:
                    self._give_up()
                return
        done: list[_Copy] = []
        failed = False
        try:
            for copy in copies:
                if self._copy_one(fd, copy):
                    done.append(copy)
        except OSError:
            failed = True  # ENOSPC and friends: completion concatenates instead
        finally:
            os.close(fd)
            with self._lock:
                self._copying.difference_update(copy.number for copy in copies)
                if failed and not self._in_place and not self._finished:
                    self._give_up()
                elif not self._finished:
                    self._placed.update((copy.number, (copy.name, copy.size)) for copy in done)

    def _plan(self, part_number: int, size: int, file_name: str, path: str) -> list[_Copy]:
        """The copies placing a part needs (under the lock; they are marked as being copied)."""
        if (
            self._finished
            or self._lent
            or part_number in self._in_place
            or part_number in self._writing
            or part_number in self._copying
        ):
            return []
        copies = []
        if size > self.stride:
            if self._in_place or self._copying or len(self._placed) > _MAX_REBASE:
                self._placed.pop(part_number, None)
                if not self._in_place and not self._copying:
                    self._give_up()
                return []
            self.stride = size
            directory = os.path.dirname(path)
            copies = [_Copy(n, s, name, os.path.join(directory, name), 0) for n, (name, s) in self._placed.items()]
            self._placed.clear()
        self._placed.pop(part_number, None)
        copies.append(_Copy(part_number, size, file_name, path, 0))
        copies = [copy._replace(offset=(copy.number - 1) * self.stride) for copy in copies]
        self._copying.update(copy.number for copy in copies)
        return copies

    def _copy_one(self, fd: int, copy: _Copy) -> bool:
        """One copy, outside the lock; False if the part's file was replaced meanwhile."""
        try:
            src = os.open(copy.path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return False  # replaced by a newer upload of the part meanwhile
        try:
            self._copy(src, fd, 0, copy.offset, copy.size)
        finally:
            os.close(src)
        if self._durable:
            start_writeback(fd, copy.offset, copy.size)
        return True

    # -- completion -----------------------------------------------------------------------------

    def lend(self, chosen: Sequence[PartRow], final_path: str) -> AtomicFile | None:
        """The file, as a temp file to publish at ``final_path``, if it holds exactly the chosen
        parts' bytes in order (cut to their total when only unnamed bytes and placed copies lie
        above it, which it then no longer holds); else None (the caller then concatenates).
        While lent it takes no writes; a failed publish gives it back (:class:`_Borrowed`)."""
        with self._lock:
            if self._finished or self._lent or self._writing or self._copying:
                return None
            offset = 0
            for row in chosen:
                if self._placed.get(row.part_number) != (row.file, row.size) or (
                    (row.part_number - 1) * self.stride != offset
                ):
                    return None
                offset += row.size
            chosen_numbers = {row.part_number for row in chosen}
            for number in self._placed:
                if number not in chosen_numbers and number in self._in_place and (number - 1) * self.stride >= offset:
                    return None  # a part written in place above the end: cutting would lose it
            try:
                if os.fstat(self.fd).st_size != offset:
                    os.ftruncate(self.fd, offset)
                    for number in [n for n in self._placed if n not in chosen_numbers]:
                        del self._placed[number]  # placed copies above the end: cut off
                fd = os.dup(self.fd)
            except OSError:
                return None
            self._lent = True
            return _Borrowed(self, final_path, fd)

    def published(self) -> None:
        """The lent file was renamed onto its key: it is the object now, never written again."""
        with self._lock:
            self._finished = True

    def given_back(self) -> None:
        """The lent file was not published (a failed precondition, say): it takes parts again."""
        with self._lock:
            self._lent = False
            if self._finished:
                self._give_up()  # discarded while lent: what discarding would have done

    def discard(self) -> None:
        """Stop using the file (the upload is gone, the store closes). It is unlinked unless a
        row names a region of it (then it goes with the staging directory) or it is lent."""
        with self._lock:
            self._give_up()

    def _give_up(self) -> None:
        self._finished = True
        self._placed.clear()
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        if not self._refs and not self._writing and not self._lent:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)


class Assemblies:
    """The assembly files of the uploads in progress: upload id -> :class:`PreAssembly`."""

    def __init__(self, *, copy: CopyRange, durable: bool) -> None:
        self._copy = copy
        self._durable = durable
        self._by_upload: dict[str, PreAssembly] = {}
        self._lock = threading.Lock()

    def get(self, upload_id: str) -> PreAssembly | None:
        with self._lock:
            return self._by_upload.get(upload_id)

    def wanted(self, upload_id: str, size: int) -> bool:
        """Whether a part of ``size`` bytes would make ``upload_id`` an assembly file now."""
        with self._lock:
            return upload_id not in self._by_upload and size >= MIN_STRIDE and len(self._by_upload) < MAX_ASSEMBLIES

    def make(self, upload_id: str, directory: str, stride: int) -> PreAssembly | None:
        """The upload's assembly file, made in ``directory`` with ``stride`` if it has none (the
        caller holds the upload's lock and has seen the upload exist); None if it cannot be made."""
        with self._lock:
            assembly = self._by_upload.get(upload_id)
            if assembly is None:
                try:
                    assembly = PreAssembly(directory, stride, copy=self._copy, durable=self._durable)
                except OSError:
                    return None  # no assembly: parts go to their own files, completion concatenates
                self._by_upload[upload_id] = assembly
            return assembly

    def take(self, upload_id: str) -> PreAssembly | None:
        """Remove the upload's assembly from the registry and return it (the caller finishes it)."""
        with self._lock:
            return self._by_upload.pop(upload_id, None)

    def close(self) -> None:
        """Stop assembling (the store is closing): unnamed files go, named ones stay with their upload."""
        with self._lock:
            assemblies = list(self._by_upload.values())
            self._by_upload.clear()
        for assembly in assemblies:
            assembly.discard()
