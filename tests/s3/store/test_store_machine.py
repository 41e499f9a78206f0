"""The store against the pure model (cargobay.testing.model.VersionsModel), as a state machine.

Rules: put, copy, multipart, delete (marker or version), get (current and by id), list and
ListObjectVersions (paged), out-of-band edits behind the store's back, keys ``a`` beside ``a/b``
and ``dir/``, enabling and suspending versioning, and a restart (a new store on the same
directory). After every step the current objects, every version's bytes and the version listing
agree with the model.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile

import hypothesis.strategies as st
from hypothesis import settings
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from cargobay.s3.errors import MethodNotAllowed, NoSuchKey, NoSuchVersion
from cargobay.s3.store import ObjectMeta, ObjectStore, StoreConfig
from cargobay.s3.store.multipart import CompletedPart
from cargobay.testing.model import VersionsModel

BUCKET = "bkt"
# "a" beside "a/b", a key that can never be a file ("dir/"), one that must live in the internal
# area ("odd//k"), and plain ones.
KEYS = st.sampled_from(["a", "a/b", "dir/", "dir/x", "odd//k", "k1", "k2/z"])
BODIES = st.binary(max_size=64)


class StoreMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tmp = tempfile.mkdtemp(prefix="cargobay-machine-")
        self.root = os.path.join(self.tmp, "data")
        self.store = ObjectStore(self.root, StoreConfig(durable=False, min_part_size=1))
        self.model = VersionsModel()

    @initialize()
    def bucket(self) -> None:
        self.store.create_bucket(BUCKET)
        self.model.create_bucket(BUCKET)

    def teardown(self) -> None:
        self.store.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # -- writes --------------------------------------------------------------------------------

    @rule(key=KEYS, body=BODIES)
    def put(self, key: str, body: bytes) -> None:
        info = self.store.put_bytes(BUCKET, key, body)
        assert info.etag == hashlib.md5(body).hexdigest()
        self.model.put(BUCKET, key, body, self._given(info.version_id))

    @rule(src=KEYS, dst=KEYS)
    def copy(self, src: str, dst: str) -> None:
        latest = self.model.latest(BUCKET, src)
        if latest is None or latest.body is None:
            try:
                self.store.copy(BUCKET, src, BUCKET, dst, meta=None if src != dst else _replaced())
            except NoSuchKey:
                return
            raise AssertionError(f"copy of missing {src!r} succeeded")
        info = self.store.copy(BUCKET, src, BUCKET, dst, meta=None if src != dst else _replaced())
        self.model.put(BUCKET, dst, latest.body, self._given(info.version_id))

    @rule(data=st.data(), src=KEYS, dst=KEYS)
    def copy_old_version(self, data: st.DataObject, src: str, dst: str) -> None:
        versions = [v for v in self.model.keys[BUCKET].get(src, []) if v.body is not None]
        if not versions:
            return
        chosen = data.draw(st.sampled_from(versions))
        info = self.store.copy(BUCKET, src, BUCKET, dst, src_version=chosen.version_id, meta=_replaced())
        assert chosen.body is not None
        self.model.put(BUCKET, dst, chosen.body, self._given(info.version_id))

    @rule(key=KEYS, parts=st.lists(BODIES.filter(bool), min_size=1, max_size=3))
    def multipart(self, key: str, parts: list[bytes]) -> None:
        upload = self.store.multipart.create(BUCKET, key)
        for number, part in enumerate(parts, 1):
            self.store.multipart.put_part_bytes(BUCKET, key, upload.upload_id, number, part)
        listed = [CompletedPart(n, hashlib.md5(p).hexdigest()) for n, p in enumerate(parts, 1)]
        info = self.store.multipart.complete(BUCKET, key, upload.upload_id, listed)
        self.model.put(BUCKET, key, b"".join(parts), self._given(info.version_id))

    @rule(key=KEYS)
    def delete(self, key: str) -> None:
        outcome = self.store.delete(BUCKET, key)
        expected = self.model.delete(BUCKET, key, outcome.version_id if outcome.delete_marker else None)
        assert outcome.delete_marker == (expected is not None)

    @rule(data=st.data(), key=KEYS)
    def delete_version(self, data: st.DataObject, key: str) -> None:
        versions = self.model.keys[BUCKET].get(key, [])
        if not versions:
            return
        chosen = data.draw(st.sampled_from(versions))
        outcome = self.store.delete(BUCKET, key, chosen.version_id)
        assert outcome.version_id == chosen.version_id
        assert outcome.delete_marker == chosen.is_marker
        self.model.delete_version(BUCKET, key, chosen.version_id)

    @rule(status=st.sampled_from(["Enabled", "Suspended"]))
    def versioning(self, status: str) -> None:
        self.store.set_versioning(BUCKET, status)
        self.model.set_versioning(BUCKET, status)

    @rule(key=st.sampled_from(["a", "a/b", "dir/x", "k1", "k2/z"]), body=BODIES)
    def edit_out_of_band(self, key: str, body: bytes) -> None:
        """Write the plain file behind the store's back (where the key is a plain file or could be)."""
        latest = self.model.latest(BUCKET, key)
        path = os.path.join(self.root, BUCKET, *key.split("/"))
        if latest is not None and latest.body is not None and not os.path.isfile(path):
            return  # stored in the internal area: nothing a tool would edit
        parent = os.path.dirname(path)
        try:
            os.makedirs(parent, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            return
        if os.path.isdir(path):
            return
        if latest is not None and latest.body is not None:
            # The old bytes of the current version are overwritten: that version is gone.
            self.model.delete_version(BUCKET, key, latest.version_id)
        elif self.model.status[BUCKET] == "" and key in self.model.keys[BUCKET]:
            raise AssertionError("an unversioned key without bytes")
        with open(path, "wb") as f:
            f.write(body)
        info = self.store.head(BUCKET, key)  # the store sees it: a new version
        assert info.etag == hashlib.md5(body).hexdigest()
        self.model.put(BUCKET, key, body, self._given(info.version_id))

    @rule()
    def restart(self) -> None:
        self.store.close()
        self.store = ObjectStore(self.root, StoreConfig(durable=False, min_part_size=1))

    # -- reads -----------------------------------------------------------------------------------

    @rule(data=st.data(), key=KEYS)
    def get_version(self, data: st.DataObject, key: str) -> None:
        versions = self.model.keys[BUCKET].get(key, [])
        if not versions:
            return
        chosen = data.draw(st.sampled_from(versions))
        expected = self.model.get(BUCKET, key, chosen.version_id)
        try:
            with self.store.open(BUCKET, key, chosen.version_id) as obj:
                body = os.pread(obj.fd, obj.info.size + 1, 0)
                assert expected.status == 200 and body == expected.body
                assert (obj.info.version_id or "null") == chosen.version_id
        except MethodNotAllowed as exc:
            assert expected.status == 405 and exc.headers["x-amz-delete-marker"] == "true"

    @precondition(lambda self: self.model.status.get(BUCKET) != "")
    @rule(data=st.data(), key=KEYS)
    def get_missing_version(self, data: st.DataObject, key: str) -> None:
        try:
            self.store.head(BUCKET, key, "0000000000000001deadbeef")
        except NoSuchVersion:
            return
        raise AssertionError("a version that was never written was found")

    @rule(page=st.integers(1, 4))
    def list_versions_paged(self, page: int) -> None:
        got: list[tuple[str, str, bool, bool]] = []
        key_marker = version_marker = ""
        for _ in range(200):
            result = self.store.list_versions(
                BUCKET, key_marker=key_marker, version_id_marker=version_marker, max_keys=page
            )
            got += [(e.key, e.version_id, e.is_latest, e.is_marker) for e in result.entries]
            if not result.is_truncated:
                break
            assert result.next_key_marker is not None
            key_marker, version_marker = result.next_key_marker, result.next_version_id_marker or ""
        expected = self.model.list_versions(BUCKET)
        if self.model.status[BUCKET] == "":
            expected = [(k, "null", latest, marker) for k, _, latest, marker in expected]
        assert got == expected

    @rule(prefix=st.sampled_from(["", "a", "d", "k"]))
    def list_versions_delimited(self, prefix: str) -> None:
        result = self.store.list_versions(BUCKET, prefix=prefix, delimiter="/")
        keys = {k for k, *_ in self.model.list_versions(BUCKET) if k.startswith(prefix)}
        rolled = {k[: k.index("/", len(prefix)) + 1] for k in keys if "/" in k[len(prefix) :]}
        assert set(result.common_prefixes) == rolled
        assert {e.key for e in result.entries} == {k for k in keys if "/" not in k[len(prefix) :]}

    # -- invariants ------------------------------------------------------------------------------

    @invariant()
    def current_objects_agree(self) -> None:
        expected = self.model.current(BUCKET)
        listed = self.store.list(BUCKET)
        assert [e.key for e in listed.entries] == sorted(expected, key=lambda k: k.encode())
        for key, body in expected.items():
            with self.store.open(BUCKET, key) as obj:
                assert os.pread(obj.fd, len(body) + 1, 0) == body
        for key in self.model.keys[BUCKET]:
            if key not in expected:
                try:
                    self.store.head(BUCKET, key)
                except NoSuchKey as exc:
                    latest = self.model.latest(BUCKET, key)
                    if latest is not None and latest.is_marker:
                        assert exc.headers.get("x-amz-version-id") == latest.version_id
                    continue
                raise AssertionError(f"{key!r} should not be readable")

    def _given(self, version_id: str | None) -> str | None:
        return version_id


def _replaced() -> ObjectMeta:
    return ObjectMeta(user={"copied": "yes"})


StoreMachine.TestCase.settings = settings(StoreMachine.TestCase.settings, stateful_step_count=30)
TestStoreMachine = StoreMachine.TestCase
