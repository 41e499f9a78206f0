"""The multipart assembly file (store/preassembly.py): whatever the part sizes, order, re-uploads,
restarts and ways in (streamed parts written in place, parts in their own files), a completion
publishes exactly the concatenation of the chosen parts, and nothing outlives its upload. In the
common case (equal parts, any order) the completion uses it and copies nothing."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cargobay._fsutil import is_temp_name
from cargobay.s3.errors import BadDigest, EntityTooSmall, NoSuchUpload, PreconditionFailed
from cargobay.s3.store import ObjectStore, PutChecks, StoreConfig, fsck, preassembly
from cargobay.s3.store import multipart as mp
from cargobay.s3.store import parts as parts_module
from cargobay.s3.store.groupcommit import GroupCommit
from cargobay.s3.store.multipart import CompletedPart

MIN = 16


def _temps(root: str) -> list[str]:
    found = []
    for dirpath, _dirs, files in os.walk(os.path.join(root, "bkt")):
        found += [os.path.join(dirpath, f) for f in files if is_temp_name(f)]
    return found


@pytest.fixture
def small_head_start() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(preassembly, "MIN_STRIDE", 1)  # every part qualifies, so tiny parts exercise it
        yield


bodies = st.one_of(st.binary(min_size=MIN, max_size=MIN), st.binary(max_size=2 * MIN))


def stream_part(store: ObjectStore, upload_id: str, number: int, body: bytes, key: str = "key") -> mp.PartInfo:
    """UploadPart as the HTTP layer streams it: the declared length known at the start."""
    pending = store.multipart.begin_part("bkt", key, upload_id, number, size=len(body))
    try:
        pending.write_many([body[: len(body) // 2], body[len(body) // 2 :]])
    except BaseException:
        pending.abort()
        raise
    return pending.commit(PutChecks(expected_size=len(body)))


def _wait_gone(path: str) -> None:
    """A completion removes the staging directory on a background thread: wait for it (10 s at most)."""
    deadline = time.monotonic() + 10
    while os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not os.path.exists(path)


def _staging_files(store: ObjectStore, upload_id: str) -> list[str]:
    return sorted(os.listdir(os.path.join(store.multipart.staging_root, upload_id)))


@st.composite
def cases(draw: st.DrawFn) -> tuple[list[tuple[int, bytes, bool]], list[int], int, str]:
    numbers = draw(st.lists(st.integers(1, 5), min_size=1, max_size=5, unique=True))
    sends = [(n, draw(bodies), draw(st.booleans())) for n in numbers]
    sends += draw(st.lists(st.tuples(st.sampled_from(numbers), bodies, st.booleans()), max_size=3))
    order = list(draw(st.permutations(sends)))
    chosen = sorted(draw(st.lists(st.sampled_from(numbers), min_size=1, unique=True)))
    return order, chosen, draw(st.integers(0, len(order) + 1)), draw(st.sampled_from(["complete", "abort", "close"]))


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])  # the patch is the same for all
@given(case=cases())
def test_completion_is_the_concatenation_and_no_temp_file_is_left(
    small_head_start: None,
    tmp_path_factory: pytest.TempPathFactory,
    case: tuple[list[tuple[int, bytes, bool]], list[int], int, str],
) -> None:
    sends, chosen, restart_at, ending = case
    root = str(tmp_path_factory.mktemp("pre"))
    config = StoreConfig(durable=False, min_part_size=MIN)
    store = ObjectStore(root, config)
    try:
        store.create_bucket("bkt")
        upload = store.multipart.create("bkt", "key")
        latest: dict[int, bytes] = {}
        for index, (number, body, streamed) in enumerate(sends):
            if index == restart_at:
                store.close()
                assert _temps(root) == []
                assert fsck.scan(root).findings == ()  # nothing acknowledged is lost, nothing is debris
                store = ObjectStore(root, config)
            if streamed:
                stream_part(store, upload.upload_id, number, body)
            else:
                store.multipart.put_part_bytes("bkt", "key", upload.upload_id, number, body)
            latest[number] = body
            listed_now = store.multipart.list_parts("bkt", "key", upload.upload_id).parts
            assert {p.part_number: p.etag for p in listed_now} == {
                n: hashlib.md5(b).hexdigest() for n, b in latest.items()
            }
        if ending == "abort":
            store.multipart.abort("bkt", "key", upload.upload_id)
        elif ending == "complete":
            listed = [CompletedPart(n, hashlib.md5(latest[n]).hexdigest()) for n in chosen]
            if any(len(latest[n]) < MIN for n in chosen[:-1]):
                with pytest.raises(EntityTooSmall):
                    store.multipart.complete("bkt", "key", upload.upload_id, listed)
            else:
                info = store.multipart.complete("bkt", "key", upload.upload_id, listed)
                whole = b"".join(latest[n] for n in chosen)
                assert info.size == len(whole)
                with store.open("bkt", "key") as obj:
                    assert os.pread(obj.fd, len(whole) + 1, 0) == whole
                assert _temps(root) == []
                _wait_gone(os.path.join(store.multipart.staging_root, upload.upload_id))
        if ending == "abort":
            assert os.listdir(store.multipart.staging_root) == []  # the upload took everything with it
    finally:
        store.close()
    assert _temps(root) == []


def _complete_without_a_copy(
    store: ObjectStore, monkeypatch: pytest.MonkeyPatch, parts: dict[int, bytes], *, order: tuple[int, ...]
) -> None:
    """Upload ``parts`` (1 to 3) to bkt/key in ``order`` and complete them with ``copy_range``
    refused: the completion must use the head start, and the object is the parts' concatenation."""
    upload = store.multipart.create("bkt", "key")
    done = {n: store.multipart.put_part_bytes("bkt", "key", upload.upload_id, n, parts[n]) for n in order}

    def no_copy(*args: object) -> None:
        raise AssertionError("the completion concatenated the parts instead of using the head start")

    monkeypatch.setattr(parts_module, "copy_range", no_copy)
    store.multipart.complete("bkt", "key", upload.upload_id, [CompletedPart(n, done[n].etag) for n in (1, 2, 3)])
    with store.open("bkt", "key") as obj:
        assert os.pread(obj.fd, 100, 0) == parts[1] + parts[2] + parts[3]


def test_equal_parts_in_any_order_complete_without_a_copy(
    small_head_start: None, tmp_path: os.PathLike[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = ObjectStore(os.path.join(str(tmp_path), "data"), StoreConfig(durable=True, min_part_size=MIN))
    try:
        store.create_bucket("bkt")
        parts = {1: os.urandom(MIN), 2: os.urandom(MIN), 3: os.urandom(5)}
        _complete_without_a_copy(store, monkeypatch, parts, order=(3, 1, 2))
    finally:
        store.close()


def test_a_larger_part_after_a_short_one_moves_the_placed_parts(
    small_head_start: None, tmp_path: os.PathLike[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = ObjectStore(os.path.join(str(tmp_path), "data"), StoreConfig(durable=False, min_part_size=MIN))
    try:
        store.create_bucket("bkt")
        parts = {1: os.urandom(MIN), 2: os.urandom(MIN), 3: os.urandom(5)}
        _complete_without_a_copy(store, monkeypatch, parts, order=(3, 2, 1))  # the short last part first
    finally:
        store.close()


def test_too_many_moves_give_up_and_concatenate(small_head_start: None, tmp_path: os.PathLike[str]) -> None:
    root = os.path.join(str(tmp_path), "data")
    store = ObjectStore(root, StoreConfig(durable=False, min_part_size=1))
    try:
        store.create_bucket("bkt")
        upload = store.multipart.create("bkt", "key")
        # each part is larger than every earlier one: the stride changes until it is given up
        parts = {n: os.urandom(10 - n) for n in range(9, 0, -1)}
        done = {n: store.multipart.put_part_bytes("bkt", "key", upload.upload_id, n, body) for n, body in parts.items()}
        # given up: the head start is gone at once (no assembly file beside the parts)
        assert [f for f in _staging_files(store, upload.upload_id) if f.startswith("assembly.")] == []
        listed = [CompletedPart(n, done[n].etag) for n in sorted(parts)]
        store.multipart.complete("bkt", "key", upload.upload_id, listed)
        with store.open("bkt", "key") as obj:
            assert os.pread(obj.fd, 100, 0) == b"".join(parts[n] for n in sorted(parts))
    finally:
        store.close()


# -- parts written in place (streamed with a declared length) ------------------------------------


def _body(store: ObjectStore, key: str = "key") -> bytes:
    with store.open("bkt", key) as obj:
        return os.pread(obj.fd, 1 << 20, 0)


@pytest.fixture
def store(small_head_start: None, tmp_path: os.PathLike[str]) -> Iterator[ObjectStore]:
    s = ObjectStore(os.path.join(str(tmp_path), "data"), StoreConfig(durable=True, min_part_size=MIN))
    s.create_bucket("bkt")
    try:
        yield s
    finally:
        s.close()


def test_streamed_equal_parts_are_written_once(store: ObjectStore, monkeypatch: pytest.MonkeyPatch) -> None:
    upload = store.multipart.create("bkt", "key")
    parts = {1: os.urandom(MIN), 2: os.urandom(MIN), 3: os.urandom(5)}
    done = {n: stream_part(store, upload.upload_id, n, parts[n]) for n in (2, 1, 3)}
    files = _staging_files(store, upload.upload_id)
    assert len(files) == 1 and files[0].startswith("assembly.")  # no part file: each part went in place

    def no_copy(*args: object) -> None:
        raise AssertionError("the completion copied parts that were written in place")

    monkeypatch.setattr(parts_module, "copy_range", no_copy)
    info = store.multipart.complete("bkt", "key", upload.upload_id, [CompletedPart(n, done[n].etag) for n in (1, 2, 3)])
    assert _body(store) == parts[1] + parts[2] + parts[3]
    assert info.etag.endswith("-3")
    assert store.head("bkt", "key").etag == info.etag


def test_a_failed_reupload_of_a_part_written_in_place_leaves_it_whole(store: ObjectStore) -> None:
    upload = store.multipart.create("bkt", "key")
    first, second = os.urandom(MIN), os.urandom(MIN)
    done = {1: stream_part(store, upload.upload_id, 1, first), 2: stream_part(store, upload.upload_id, 2, second)}
    pending = store.multipart.begin_part("bkt", "key", upload.upload_id, 2, size=MIN)
    pending.write_many([b"x" * MIN])
    with pytest.raises(BadDigest):
        pending.commit(PutChecks(content_md5=hashlib.md5(b"something else").digest(), expected_size=MIN))
    assert [p.etag for p in store.multipart.list_parts("bkt", "key", upload.upload_id).parts] == [
        done[1].etag,
        done[2].etag,
    ]
    store.multipart.complete("bkt", "key", upload.upload_id, [CompletedPart(n, done[n].etag) for n in (1, 2)])
    assert _body(store) == first + second


def test_a_reupload_replaces_a_part_written_in_place(store: ObjectStore) -> None:
    upload = store.multipart.create("bkt", "key")
    first, old, new = os.urandom(MIN), os.urandom(MIN), os.urandom(7)
    one = stream_part(store, upload.upload_id, 1, first)
    stream_part(store, upload.upload_id, 2, old)
    two = stream_part(store, upload.upload_id, 2, new)  # goes to its own file: the region is taken
    assert len(_staging_files(store, upload.upload_id)) == 2
    store.multipart.complete("bkt", "key", upload.upload_id, [CompletedPart(1, one.etag), CompletedPart(2, two.etag)])
    assert _body(store) == first + new


def test_parts_written_in_place_survive_a_restart_and_fsck(small_head_start: None, tmp_path: os.PathLike[str]) -> None:
    root = os.path.join(str(tmp_path), "data")
    config = StoreConfig(durable=True, min_part_size=MIN)
    store = ObjectStore(root, config)
    store.create_bucket("bkt")
    upload = store.multipart.create("bkt", "key")
    parts = {1: os.urandom(MIN), 2: os.urandom(9)}
    done = {n: stream_part(store, upload.upload_id, n, body) for n, body in parts.items()}
    store.close()
    report = fsck.scan(root)
    assert report.findings == () and report.uploads_in_progress == 1
    store = ObjectStore(root, config)
    try:
        store.multipart.complete("bkt", "key", upload.upload_id, [CompletedPart(n, done[n].etag) for n in (1, 2)])
        assert _body(store) == parts[1] + parts[2]
    finally:
        store.close()


def test_a_part_cut_off_mid_write_is_no_orphan_and_loses_nothing(
    small_head_start: None, tmp_path: os.PathLike[str]
) -> None:
    """A kill in the middle of a part written in place: the acknowledged part beside it is whole,
    fsck reports nothing (the assembly file is named by the acknowledged part's row), and a
    completion without the cut part publishes exactly the acknowledged bytes."""
    root = os.path.join(str(tmp_path), "data")
    config = StoreConfig(durable=True, min_part_size=MIN)
    store = ObjectStore(root, config)
    store.create_bucket("bkt")
    upload = store.multipart.create("bkt", "key")
    first = os.urandom(MIN)
    one = stream_part(store, upload.upload_id, 1, first)
    cut = store.multipart.begin_part("bkt", "key", upload.upload_id, 2, size=MIN)
    cut.write_many([os.urandom(MIN // 2)])  # ... and the server dies here: no commit, no abort
    store.close()
    assert fsck.scan(root).findings == ()
    store = ObjectStore(root, config)
    try:
        store.multipart.complete("bkt", "key", upload.upload_id, [CompletedPart(1, one.etag)])
        assert _body(store) == first
    finally:
        store.close()
        cut.abort()


def test_a_part_cut_off_before_any_was_acknowledged_is_debris_fsck_removes(
    small_head_start: None, tmp_path: os.PathLike[str]
) -> None:
    root = os.path.join(str(tmp_path), "data")
    store = ObjectStore(root, StoreConfig(durable=True, min_part_size=MIN))
    store.create_bucket("bkt")
    upload = store.multipart.create("bkt", "key")
    cut = store.multipart.begin_part("bkt", "key", upload.upload_id, 1, size=MIN)
    cut.write_many([os.urandom(MIN // 2)])
    store.close()
    report = fsck.scan(root)
    assert [f.kind for f in report.findings] == [fsck.Kind.ORPHAN_PART_FILE]
    fsck.check(root, repair=True)
    assert fsck.scan(root).findings == ()
    cut.abort()


def test_a_completion_while_a_part_is_written_in_place_is_not_touched_by_it(store: ObjectStore) -> None:
    upload = store.multipart.create("bkt", "key")
    parts = {1: os.urandom(MIN), 2: os.urandom(MIN)}
    done = {n: stream_part(store, upload.upload_id, n, body) for n, body in parts.items()}
    late = store.multipart.begin_part("bkt", "key", upload.upload_id, 3, size=MIN)
    late.write_many([b"a" * (MIN // 2)])
    store.multipart.complete("bkt", "key", upload.upload_id, [CompletedPart(n, done[n].etag) for n in (1, 2)])
    late.write_many([b"b" * (MIN // 2)])  # the part goes on after the completion answered
    with pytest.raises(NoSuchUpload):
        late.commit(PutChecks(expected_size=MIN))
    assert _body(store) == parts[1] + parts[2]


def test_a_failed_precondition_at_completion_keeps_the_parts(store: ObjectStore) -> None:
    upload = store.multipart.create("bkt", "key")
    parts = {1: os.urandom(MIN), 2: os.urandom(3)}
    done = {n: stream_part(store, upload.upload_id, n, body) for n, body in parts.items()}
    store.put_bytes("bkt", "key", b"already here")
    listed = [CompletedPart(n, done[n].etag) for n in (1, 2)]

    def if_none_match(etag: str | None) -> None:
        if etag is not None:
            raise PreconditionFailed()

    with pytest.raises(PreconditionFailed):
        store.multipart.complete("bkt", "key", upload.upload_id, listed, precondition=if_none_match)
    assert _body(store) == b"already here"
    store.multipart.complete("bkt", "key", upload.upload_id, listed)
    assert _body(store) == parts[1] + parts[2]


def _cut_off_completion(
    store: ObjectStore, monkeypatch: pytest.MonkeyPatch, *, before_row: bool = False
) -> tuple[str, list[CompletedPart], bytes]:
    """An upload whose completion renamed its assembly file onto the key and was then cut off
    before the upload was forgotten (a kill there; ``before_row``: before even the object's row
    was committed): (upload id, the parts it listed, the bytes)."""
    upload = store.multipart.create("bkt", "key")
    parts = {1: os.urandom(MIN), 2: os.urandom(3)}
    done = {n: stream_part(store, upload.upload_id, n, body) for n, body in parts.items()}
    listed = [CompletedPart(n, done[n].etag) for n in (1, 2)]

    class Killed(BaseException):
        pass

    def killed(*args: object, **kwargs: object) -> None:
        raise Killed()

    with monkeypatch.context() as patch:
        if before_row:
            patch.setattr(GroupCommit, "commit", killed)
        else:
            patch.setattr(store.db, "delete_upload", killed)
        with pytest.raises(Killed):
            store.multipart.complete("bkt", "key", upload.upload_id, listed)
    return upload.upload_id, listed, parts[1] + parts[2]


def test_a_completion_cut_off_after_its_rename_is_answered_again(
    store: ObjectStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The upload is still listed, its parts' bytes are the object now: a retried completion
    answers with that object instead of InvalidPart, and forgets the upload."""
    upload_id, listed, whole = _cut_off_completion(store, monkeypatch)
    assert [u.upload_id for u in store.multipart.list_uploads("bkt").uploads] == [upload_id]
    info = store.multipart.complete("bkt", "key", upload_id, listed)
    assert info.etag == store.head("bkt", "key").etag and info.etag.endswith("-2")
    assert _body(store) == whole
    assert store.multipart.list_uploads("bkt").uploads == ()


def test_a_completion_cut_off_after_its_rename_is_forgotten_at_restart(
    small_head_start: None, tmp_path: os.PathLike[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """fsck names the state (upload-completed, not a lost part) and repairs it; a restarted
    server forgets the upload by itself. The object is whole either way, also when the kill came
    before the object's row (its bytes then tell that it is the completion's)."""
    root = os.path.join(str(tmp_path), "data")
    config = StoreConfig(durable=True, min_part_size=MIN)
    for repair, before_row in ((True, False), (False, False), (True, True), (False, True)):
        store = ObjectStore(root, config)
        if not store.bucket_exists("bkt"):
            store.create_bucket("bkt")
        _upload_id, _listed, whole = _cut_off_completion(store, monkeypatch, before_row=before_row)
        store.close()
        kinds = sorted(f.kind.value for f in fsck.scan(root).findings)
        # The kill before the row leaves the row of the key's previous object: a changed file.
        assert kinds == (["changed-file", "upload-completed"] if before_row else ["upload-completed"])
        if repair:
            fsck.check(root, repair=True)
            assert fsck.scan(root).findings == ()
        store = ObjectStore(root, config)
        try:
            assert store.multipart.list_uploads("bkt").uploads == ()
            assert _body(store) == whole
            assert fsck.scan(root).findings == ()
        finally:
            store.close()


def test_parts_sent_twice_at_once_end_as_one_whole_part_each(store: ObjectStore) -> None:
    """Every part uploaded twice at the same time (one copy may go in place, the other to its own
    file): each part's row ends naming bytes whose MD5 is its ETag, and the completion is the
    concatenation of the winners."""
    upload = store.multipart.create("bkt", "key")
    numbers = range(1, 7)
    bodies = {(n, copy): os.urandom(MIN) for n in numbers for copy in (0, 1)}
    start = threading.Barrier(len(bodies))

    def send(item: tuple[int, int]) -> None:
        start.wait()
        stream_part(store, upload.upload_id, item[0], bodies[item])

    with ThreadPoolExecutor(len(bodies)) as pool:
        list(pool.map(send, bodies))
    by_md5 = {hashlib.md5(body).hexdigest(): body for body in bodies.values()}
    listed = store.multipart.list_parts("bkt", "key", upload.upload_id).parts
    assert [p.part_number for p in listed] == list(numbers)
    store.multipart.complete("bkt", "key", upload.upload_id, [CompletedPart(p.part_number, p.etag) for p in listed])
    assert _body(store) == b"".join(by_md5[p.etag] for p in listed)


def test_a_lost_assembly_file_is_not_taken_for_a_completion(small_head_start: None, tmp_path: os.PathLike[str]) -> None:
    """Rows naming a missing assembly file, and another upload's multipart object at the key:
    that is a lost file (part-file-missing, the upload kept), never a completion to forget."""
    root = os.path.join(str(tmp_path), "data")
    config = StoreConfig(durable=False, min_part_size=MIN)
    store = ObjectStore(root, config)
    store.create_bucket("bkt")
    lost = store.multipart.create("bkt", "key")
    for n, body in {1: os.urandom(MIN), 2: os.urandom(3)}.items():
        stream_part(store, lost.upload_id, n, body)
    other = store.multipart.create("bkt", "key")
    done = {n: stream_part(store, other.upload_id, n, body) for n, body in {1: os.urandom(MIN), 2: b"xyz"}.items()}
    store.multipart.complete("bkt", "key", other.upload_id, [CompletedPart(n, done[n].etag) for n in (1, 2)])
    store.close()
    staging = os.path.join(root, ".cargobay", "uploads", lost.upload_id)
    for name in os.listdir(staging):
        os.unlink(os.path.join(staging, name))  # the assembly file is lost
    assert [f.kind for f in fsck.scan(root).findings] == [fsck.Kind.PART_FILE_MISSING] * 2
    store = ObjectStore(root, config)
    try:
        assert [u.upload_id for u in store.multipart.list_uploads("bkt").uploads] == [lost.upload_id]
    finally:
        store.close()


def test_a_completion_whose_key_turns_internal_concatenates_instead(
    store: ObjectStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A directory appears at the key's path (``key/x`` written) while the completion publishes,
    so the key goes to the internal area: the assembly file is never renamed there (a file in the
    internal area without its row is an orphan fsck moves away: a kill before the row would take
    the acknowledged parts with it); the completion concatenates from it instead."""
    upload = store.multipart.create("bkt", "key")
    parts = {1: os.urandom(MIN), 2: os.urandom(5)}
    done = {n: stream_part(store, upload.upload_id, n, body) for n, body in parts.items()}
    staging = os.path.join(store.multipart.staging_root, upload.upload_id)
    moves: list[tuple[str, str]] = []
    real_rename, real_replace, real_publish = os.rename, os.replace, store.publish

    def rename(src: str, dst: str, *args: object, **kwargs: object) -> None:
        real_rename(src, dst, *args, **kwargs)  # type: ignore[arg-type]
        if str(src).startswith(staging):
            moves.append((str(src), str(dst)))  # a rename that happened

    def replace(src: str, dst: str, *args: object, **kwargs: object) -> None:
        real_replace(src, dst, *args, **kwargs)  # type: ignore[arg-type]
        if str(src).startswith(staging):
            moves.append((str(src), str(dst)))

    def publish(*args: object, **kwargs: object) -> object:
        monkeypatch.setattr(store, "publish", real_publish)
        store.put_bytes("bkt", "key/x", b"in the way")  # now bkt/key is a directory
        return real_publish(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "rename", rename)
    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(store, "publish", publish)
    store.multipart.complete("bkt", "key", upload.upload_id, [CompletedPart(n, done[n].etag) for n in (1, 2)])
    monkeypatch.undo()
    assert moves == []
    assert _body(store) == parts[1] + parts[2]
    assert _body(store, "key/x") == b"in the way"


def test_an_internal_key_completes_by_concatenation(store: ObjectStore, monkeypatch: pytest.MonkeyPatch) -> None:
    upload = store.multipart.create("bkt", "folder/")  # a trailing slash: an internal key
    parts = {1: os.urandom(MIN), 2: os.urandom(5)}
    done = {n: stream_part(store, upload.upload_id, n, body, key="folder/") for n, body in parts.items()}
    assert _staging_files(store, upload.upload_id)[0].startswith("assembly.")  # written in place
    copies: list[int] = []
    real_copy = parts_module.copy_range

    def counted(*args: int) -> None:
        copies.append(args[4])
        real_copy(*args)

    monkeypatch.setattr(parts_module, "copy_range", counted)
    store.multipart.complete("bkt", "folder/", upload.upload_id, [CompletedPart(n, done[n].etag) for n in (1, 2)])
    assert copies == [MIN, 5]
    assert _body(store, "folder/") == parts[1] + parts[2]


def test_a_part_that_cannot_get_a_descriptor_for_its_copy_leaves_nothing_marked(
    small_head_start: None, tmp_path: os.PathLike[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Out of descriptors when a part is to be copied into the assembly file: the part is still
    stored and acknowledged, nothing stays marked as being copied, and the completion
    concatenates the parts instead (before, the dup's error escaped after the part's row was
    durable, and the part stayed 'being copied' for ever, blocking every later completion's use
    of the file)."""
    store = ObjectStore(os.path.join(str(tmp_path), "data"), StoreConfig(durable=False, min_part_size=MIN))
    try:
        store.create_bucket("bkt")
        upload = store.multipart.create("bkt", "key")
        parts = {1: os.urandom(MIN), 2: os.urandom(5)}
        real_dup = os.dup

        def no_descriptors(fd: int) -> int:
            raise OSError(24, "Too many open files")

        monkeypatch.setattr(os, "dup", no_descriptors)
        done = {n: store.multipart.put_part_bytes("bkt", "key", upload.upload_id, n, parts[n]) for n in (1, 2)}
        monkeypatch.setattr(os, "dup", real_dup)
        assembly = store.multipart._assemblies.get(upload.upload_id)
        assert assembly is None or not assembly._copying
        store.multipart.complete("bkt", "key", upload.upload_id, [CompletedPart(n, done[n].etag) for n in (1, 2)])
        with store.open("bkt", "key") as obj:
            assert os.pread(obj.fd, 2 * MIN, 0) == parts[1] + parts[2]
    finally:
        store.close()


class _SyncLog:
    """Records, in order, each fsync/fdatasync (by inode) and each rename onto a path."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.events: list[tuple[str, object]] = []
        for name in ("fsync", "fdatasync"):
            monkeypatch.setattr(os, name, self._sync(getattr(os, name)))
        real_replace = os.replace

        def replace(src: str, dst: str, **kwargs: object) -> None:
            real_replace(src, dst, **kwargs)  # type: ignore[arg-type]
            self.events.append(("rename", os.fspath(dst)))

        monkeypatch.setattr(os, "replace", replace)

    def _sync(self, real: Callable[[int], None]) -> Callable[[int], None]:
        def sync(fd: int) -> None:
            real(fd)
            self.events.append(("sync", os.fstat(fd).st_ino))

        return sync

    def syncs_of(self, inode: int) -> list[int]:
        """Where in the log the file ``inode`` was synced."""
        return [i for i, event in enumerate(self.events) if event == ("sync", inode)]


@pytest.mark.parametrize("how", ["in-place", "own-files", "concatenated"])
def test_a_completion_syncs_the_object_file_once_before_its_rename(
    store: ObjectStore, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    """Durable: the completed object's bytes are fsynced before the rename that names them, and
    once (an assembly file was synced a second time under the key's lock, with nothing left to
    write). Parts written in place, parts copied in from their own files, or no assembly file
    (the completion concatenates into a temp file)."""
    upload = store.multipart.create("bkt", "key")
    parts = {1: os.urandom(MIN), 2: os.urandom(MIN), 3: os.urandom(5)}
    if how == "in-place":
        done = {n: stream_part(store, upload.upload_id, n, parts[n]) for n in (2, 1, 3)}
    else:
        done = {n: store.multipart.put_part_bytes("bkt", "key", upload.upload_id, n, parts[n]) for n in (2, 1, 3)}
    if how == "concatenated":
        monkeypatch.setattr(preassembly.PreAssembly, "lend", lambda *args: None)
    log = _SyncLog(monkeypatch)
    store.multipart.complete("bkt", "key", upload.upload_id, [CompletedPart(n, done[n].etag) for n in (1, 2, 3)])
    final = os.path.join(store.layout.root, "bkt", "key")
    synced = log.syncs_of(os.stat(final).st_ino)
    assert len(synced) == 1, log.events
    assert log.events.index(("rename", final)) > synced[0]
    assert _body(store) == parts[1] + parts[2] + parts[3]
