"""The assembly file (store/preassembly.py) through failures and concurrency: a failed completion
leaves its upload as it was (the assembly file still the upload's, no debris fsck would report,
no copy at the retried completion); parts of one upload are copied to their offsets at the same
time (the assembly's lock covers only its bookkeeping); a completion never takes the file while a
part is being copied into it; an upload is forgotten with one delete."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from cargobay.s3.errors import PreconditionFailed
from cargobay.s3.store import ObjectStore, PutChecks, StoreConfig, fsck, preassembly, serverlock
from cargobay.s3.store import multipart as mp
from cargobay.s3.store import parts as parts_module
from cargobay.s3.store.multipart import CompletedPart

MIN = 16
HANG_GUARD = 30.0  # seconds a barrier waits before the test fails instead of hanging (never reached when right)


@pytest.fixture
def small_head_start() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(preassembly, "MIN_STRIDE", 1)  # every part qualifies, so tiny parts exercise it
        yield


@pytest.fixture
def root(small_head_start: None, tmp_path: os.PathLike[str]) -> str:
    return os.path.join(str(tmp_path), "data")


CONFIG = StoreConfig(durable=True, min_part_size=MIN)


def _stream(store: ObjectStore, upload_id: str, number: int, body: bytes) -> mp.PartInfo:
    """UploadPart with its declared length: written in place into the assembly file."""
    pending = store.multipart.begin_part("bkt", "key", upload_id, number, size=len(body))
    pending.write_many([body])
    return pending.commit(PutChecks(expected_size=len(body)))


def _put(store: ObjectStore, upload_id: str, number: int, body: bytes) -> mp.PartInfo:
    """UploadPart without a declared length: its own file, then copied to its offset."""
    return store.multipart.put_part_bytes("bkt", "key", upload_id, number, body)


def _body(store: ObjectStore) -> bytes:
    with store.open("bkt", "key") as obj:
        return os.pread(obj.fd, 1 << 20, 0)


def _staging(store: ObjectStore, upload_id: str) -> list[str]:
    return sorted(os.listdir(os.path.join(store.multipart.staging_root, upload_id)))


def _if_none_match(etag: str | None) -> None:
    if etag is not None:
        raise PreconditionFailed()


def _no_copy(*args: object) -> None:
    raise AssertionError("the completion concatenated the parts instead of using the assembly file")


Send = Callable[[ObjectStore, str, int, bytes], mp.PartInfo]


@pytest.mark.parametrize("send", [_put, _stream], ids=["placed", "in-place"])
@pytest.mark.parametrize("chosen", [(1, 2, 3), (1, 3)], ids=["assembled", "concatenated"])
def test_a_failed_completion_leaves_the_upload_as_it_was(
    root: str, monkeypatch: pytest.MonkeyPatch, send: Send, chosen: tuple[int, ...]
) -> None:
    """If-None-Match fails at completion (the parts chosen are the assembly file's, which is
    then truncated and handed to the publish path; or they are not, and the completion
    concatenates): the staging directory holds what it held, the assembly file is still the
    upload's (the retry uses it, no copy), and fsck reports nothing."""
    store = ObjectStore(root, CONFIG)
    store.create_bucket("bkt")
    upload = store.multipart.create("bkt", "key").upload_id
    bodies = {1: os.urandom(MIN), 2: os.urandom(MIN), 3: os.urandom(5)}
    done = {n: send(store, upload, n, body) for n, body in bodies.items()}
    store.put_bytes("bkt", "key", b"already here")
    before = _staging(store, upload)
    with pytest.raises(PreconditionFailed):
        store.multipart.complete(
            "bkt", "key", upload, [CompletedPart(n, done[n].etag) for n in chosen], precondition=_if_none_match
        )
    assert _staging(store, upload) == before  # nothing new, nothing taken
    assert _body(store) == b"already here"
    with serverlock.exclusive(root):  # what `cargobay serve` holds
        assert fsck.scan(root).findings == ()
    with monkeypatch.context() as patch:
        patch.setattr(parts_module, "copy_range", _no_copy)
        store.multipart.complete("bkt", "key", upload, [CompletedPart(n, done[n].etag) for n in (1, 2, 3)])
    assert _body(store) == bodies[1] + bodies[2] + bodies[3]
    store.close()


@pytest.mark.parametrize("send", [_put, _stream], ids=["placed", "in-place"])
def test_after_a_failed_completion_fsck_reports_nothing_and_a_restart_completes(root: str, send: Send) -> None:
    """fsck while the upload is served (its assembly file is the server's, whether or not a row
    names a region of it), then after the store stopped: nothing; the completion after a restart
    publishes the parts."""
    store = ObjectStore(root, CONFIG)
    store.create_bucket("bkt")
    upload = store.multipart.create("bkt", "key").upload_id
    bodies = {1: os.urandom(MIN), 2: os.urandom(3)}
    done = {n: send(store, upload, n, body) for n, body in bodies.items()}
    store.put_bytes("bkt", "key", b"already here")
    listed = [CompletedPart(n, done[n].etag) for n in (1, 2)]
    with pytest.raises(PreconditionFailed):
        store.multipart.complete("bkt", "key", upload, listed, precondition=_if_none_match)
    with serverlock.exclusive(root):  # what `cargobay serve` holds
        served = fsck.scan(root)
    assert served.served and served.findings == ()
    store.close()
    assert fsck.scan(root).findings == ()
    store = ObjectStore(root, CONFIG)
    try:
        store.multipart.complete("bkt", "key", upload, listed)
        assert _body(store) == bodies[1] + bodies[2]
    finally:
        store.close()


@pytest.mark.parametrize("cleaner", ["fsck", "store"])
def test_an_unnamed_assembly_file_left_by_a_crash_is_debris(root: str, cleaner: str) -> None:
    """Without a server, an assembly file no row names is what a crash left (a stopped store
    removes its own): fsck reports it and repairs it, or the store removes it when it opens;
    the parts in their own files stay."""
    store = ObjectStore(root, CONFIG)
    store.create_bucket("bkt")
    upload = store.multipart.create("bkt", "key").upload_id
    bodies = {1: os.urandom(MIN), 2: os.urandom(3)}
    done = {n: _put(store, upload, n, body) for n, body in bodies.items()}
    (assembly,) = [n for n in _staging(store, upload) if n.startswith("assembly.")]
    kept = os.path.join(str(root), "kept")
    os.link(os.path.join(store.multipart.staging_root, upload, assembly), kept)
    store.close()
    os.link(kept, os.path.join(root, ".cargobay", "uploads", upload, assembly))  # as a kill would leave it
    assert [f.kind for f in fsck.scan(root).findings] == [fsck.Kind.ORPHAN_PART_FILE]
    if cleaner == "fsck":
        fsck.check(root, repair=True)
        assert fsck.scan(root).findings == ()
    store = ObjectStore(root, CONFIG)
    try:
        with serverlock.exclusive(root):
            assert fsck.scan(root).findings == ()
        assert [n for n in _staging(store, upload) if n.startswith("assembly.")] == []
        store.multipart.complete("bkt", "key", upload, [CompletedPart(n, done[n].etag) for n in (1, 2)])
        assert _body(store) == bodies[1] + bodies[2]
    finally:
        store.close()


def _copying(gate: Callable[[int], None]) -> Callable[[int, int, int, int, int], None]:
    """The placement copy, calling ``gate(destination offset)`` first."""
    real = parts_module.copy_range

    def copy(src: int, dst: int, src_offset: int, dst_offset: int, count: int) -> None:
        gate(dst_offset)
        real(src, dst, src_offset, dst_offset, count)

    return copy


def test_two_parts_of_one_upload_are_copied_to_their_offsets_at_once(
    root: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both placement copies must be inside the copy at the same time to pass the barrier: a
    copy made under the assembly's lock would keep the other out (the barrier then breaks)."""
    both = threading.Barrier(2, timeout=HANG_GUARD)

    def gate(offset: int) -> None:
        if offset:  # parts 2 and 3 (part 1, at offset 0, is placed alone before them)
            both.wait()

    monkeypatch.setattr(mp, "copy_range", _copying(gate))
    store = ObjectStore(root, CONFIG)
    try:
        store.create_bucket("bkt")
        upload = store.multipart.create("bkt", "key").upload_id
        first = _put(store, upload, 1, os.urandom(MIN))  # sets the stride (offset 0: not gated)
        bodies = {2: os.urandom(MIN), 3: os.urandom(MIN)}
        with ThreadPoolExecutor(2) as pool:
            done = dict(zip(bodies, pool.map(lambda n: _put(store, upload, n, bodies[n]), bodies), strict=True))
        done[1] = first
        monkeypatch.setattr(parts_module, "copy_range", _no_copy)
        store.multipart.complete("bkt", "key", upload, [CompletedPart(n, done[n].etag) for n in (1, 2, 3)])
        with store.open("bkt", "key") as obj:
            assert os.pread(obj.fd, 1 << 10, 0)[MIN:] == bodies[2] + bodies[3]
    finally:
        store.close()


def test_a_completion_never_takes_the_file_while_a_part_is_copied_into_it(
    root: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Part 3 is being copied to its offset (above the end of parts 1-2) when parts 1-2 are
    completed: the completion must not truncate and publish the file while that copy can still
    write into it (here: the copy finishes after the completion answered)."""
    inside, go = threading.Event(), threading.Event()

    def gate(offset: int) -> None:
        if offset == 2 * MIN:
            inside.set()
            assert go.wait(HANG_GUARD)

    monkeypatch.setattr(mp, "copy_range", _copying(gate))
    store = ObjectStore(root, CONFIG)
    try:
        store.create_bucket("bkt")
        upload = store.multipart.create("bkt", "key").upload_id
        bodies = {1: os.urandom(MIN), 2: os.urandom(MIN)}
        done = {n: _put(store, upload, n, body) for n, body in bodies.items()}
        with ThreadPoolExecutor(1) as pool:
            third = pool.submit(_put, store, upload, 3, os.urandom(MIN))
            assert inside.wait(HANG_GUARD)
            try:
                store.multipart.complete("bkt", "key", upload, [CompletedPart(n, done[n].etag) for n in (1, 2)])
            finally:
                go.set()
            third.result()  # recorded before the completion took the upload
        assert _body(store) == bodies[1] + bodies[2]
        assert store.head("bkt", "key").size == 2 * MIN
    finally:
        store.close()


@pytest.mark.parametrize("send", [_put, _stream], ids=["placed", "in-place"])
@pytest.mark.parametrize("ending", ["complete", "abort"])
def test_an_upload_is_forgotten_with_one_delete(
    root: str, monkeypatch: pytest.MonkeyPatch, send: Send, ending: str
) -> None:
    store = ObjectStore(root, CONFIG)
    try:
        store.create_bucket("bkt")
        upload = store.multipart.create("bkt", "key").upload_id
        done = {n: send(store, upload, n, body) for n, body in {1: os.urandom(MIN), 2: b"xyz"}.items()}
        deletes: list[str] = []
        real = store.db.delete_upload

        def counted(upload_id: str) -> None:
            deletes.append(upload_id)
            real(upload_id)

        monkeypatch.setattr(store.db, "delete_upload", counted)
        if ending == "complete":
            store.multipart.complete("bkt", "key", upload, [CompletedPart(n, done[n].etag) for n in (1, 2)])
        else:
            store.multipart.abort("bkt", "key", upload)
        assert deletes == [upload]
    finally:
        store.close()


def test_parts_placed_concurrently_with_reuploads_end_whole(root: str) -> None:
    """Every part sent twice at once without a declared length (both copies go to their own
    files and are placed, possibly at the same time): the completion is the winners' bytes."""
    store = ObjectStore(root, CONFIG)
    try:
        store.create_bucket("bkt")
        upload = store.multipart.create("bkt", "key").upload_id
        bodies = {(n, copy): os.urandom(MIN) for n in range(1, 7) for copy in (0, 1)}
        start = threading.Barrier(len(bodies), timeout=HANG_GUARD)

        def send(item: tuple[int, int]) -> None:
            start.wait()
            _put(store, upload, item[0], bodies[item])

        with ThreadPoolExecutor(len(bodies)) as pool:
            list(pool.map(send, bodies))
        by_md5 = {hashlib.md5(body).hexdigest(): body for body in bodies.values()}
        listed = store.multipart.list_parts("bkt", "key", upload).parts
        store.multipart.complete("bkt", "key", upload, [CompletedPart(p.part_number, p.etag) for p in listed])
        assert _body(store) == b"".join(by_md5[p.etag] for p in listed)
    finally:
        store.close()
