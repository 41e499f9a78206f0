"""A clean-up that fails on a failure path never replaces the error that called for it.

Every abort of a temp file, an assembly file lent to a completion or a part's region is made to
do its work and then raise (as a close reporting EIO would): the request still fails with the
error that made the abort necessary (BadDigest, PreconditionFailed), which carries the abort's
failure as a note, and the abort's work is done (no temp file is left).
"""

from __future__ import annotations

import errno
import hashlib
import os
from collections.abc import Callable
from typing import Any

import pytest

from cargobay._fsutil import TEMP_PREFIX, AtomicFile
from cargobay.s3.errors import BadDigest, NoSuchUpload, PreconditionFailed, S3Error
from cargobay.s3.store import ObjectMeta, ObjectStore, PutChecks, preassembly
from cargobay.s3.store.multipart import CompletedPart

MIN_PART_SIZE = 16  # the multipart minimum of the conftest's ``store`` here
WRONG_MD5 = PutChecks(content_md5=hashlib.md5(b"something else").digest())


@pytest.fixture
def failing_aborts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every abort does its work, then raises EIO; the list records which ran."""
    ran: list[str] = []
    for cls in (AtomicFile, preassembly._Borrowed, preassembly.RegionFile):
        monkeypatch.setattr(cls, "abort", _failing(cls.abort, cls.__name__, ran))
    return ran


def _failing(abort: Callable[[Any], None], name: str, ran: list[str]) -> Callable[[Any], None]:
    def failing_abort(self: Any) -> None:
        abort(self)
        ran.append(name)
        raise OSError(errno.EIO, f"{name}.abort failed")

    return failing_abort


def _refuse(current: str | None) -> None:
    raise PreconditionFailed(Condition="If-Match")


def _put_wrong_md5(store: ObjectStore) -> None:
    store.put_bytes("bkt", "k", b"body", checks=WRONG_MD5)


def _put_refused(store: ObjectStore) -> None:
    store.put_bytes("bkt", "k", b"body", precondition=_refuse)


def _streamed_put_wrong_md5(store: ObjectStore) -> None:
    pending = store.begin_put("bkt", "k")
    pending.write(b"body")
    pending.commit(ObjectMeta(), WRONG_MD5)


def _copy_refused(store: ObjectStore) -> None:
    store.copy("bkt", "src", "bkt", "k", precondition=_refuse)


def _part_wrong_md5(store: ObjectStore) -> None:
    upload = store.multipart.create("bkt", "k")
    store.multipart.put_part_bytes("bkt", "k", upload.upload_id, 1, b"part", WRONG_MD5)


def _part_of_an_aborted_upload(store: ObjectStore) -> None:
    """A part written to its own file (no declared size: no assembly region) whose upload is
    aborted before the part is recorded: NoSuchUpload, and the part's file goes."""
    upload = store.multipart.create("bkt", "k")
    pending = store.multipart.begin_part("bkt", "k", upload.upload_id, 1)
    pending.write(b"part")
    store.multipart.abort("bkt", "k", upload.upload_id)
    pending.commit(PutChecks())


def _complete_refused(store: ObjectStore) -> None:
    parts = [b"a" * MIN_PART_SIZE, b"b"]
    upload = store.multipart.create("bkt", "k")
    for number, body in enumerate(parts, 1):
        store.multipart.put_part_bytes("bkt", "k", upload.upload_id, number, body)
    listed = [CompletedPart(n, hashlib.md5(p).hexdigest()) for n, p in enumerate(parts, 1)]
    store.multipart.complete("bkt", "k", upload.upload_id, listed, precondition=_refuse)


@pytest.mark.parametrize(
    ("fail", "error"),
    [
        (_put_wrong_md5, BadDigest),
        (_put_refused, PreconditionFailed),
        (_streamed_put_wrong_md5, BadDigest),
        (_copy_refused, PreconditionFailed),
        (_part_wrong_md5, BadDigest),
        (_part_of_an_aborted_upload, NoSuchUpload),
        (_complete_refused, PreconditionFailed),
    ],
    ids=[
        "put-bad-digest",
        "put-precondition",
        "streamed-put-bad-digest",
        "copy-precondition",
        "part-bad-digest",
        "part-of-aborted-upload",
        "complete-precondition",
    ],
)
def test_failed_write_raises_its_own_error_when_the_abort_fails_too(
    store: ObjectStore, failing_aborts: list[str], fail: Callable[[ObjectStore], None], error: type[S3Error]
) -> None:
    store.put_bytes("bkt", "src", b"source")  # before any abort fails
    with pytest.raises(error) as raised:
        fail(store)
    assert failing_aborts, "the failure path never aborted"
    notes = getattr(raised.value, "__notes__", [])
    assert any("abort failed" in note for note in notes), notes
    leftovers = [n for _, _, files in os.walk(store.layout.root) for n in files if n.startswith(TEMP_PREFIX)]
    assert leftovers == []


def test_a_completion_that_succeeded_stays_a_success_when_dropping_its_placeholder_fails(
    store: ObjectStore, failing_aborts: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The completion's placeholder temp file is given up after the object is published: if that
    fails, the completion still answers with the object (and a retry is answered the same), instead
    of an error for work already done."""
    monkeypatch.setattr(preassembly, "MIN_STRIDE", 1)  # tiny parts get an assembly file too
    parts = [b"a" * MIN_PART_SIZE, b"b"]
    upload = store.multipart.create("bkt", "k")
    for number, body in enumerate(parts, 1):  # sizes declared: written in place in the assembly file
        pending = store.multipart.begin_part("bkt", "k", upload.upload_id, number, size=len(body))
        pending.write(body)
        pending.commit(PutChecks())
    listed = [CompletedPart(n, hashlib.md5(p).hexdigest()) for n, p in enumerate(parts, 1)]
    info = store.multipart.complete("bkt", "k", upload.upload_id, listed)
    assert "AtomicFile" in failing_aborts, "the placeholder was never given up"
    with store.open("bkt", "k") as obj:
        assert os.pread(obj.fd, 64, 0) == b"".join(parts)
        assert obj.info.etag == info.etag
    assert store.multipart.complete("bkt", "k", upload.upload_id, listed).etag == info.etag
