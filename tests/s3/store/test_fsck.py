"""``cargobay fsck``: each kind of damage is found, repaired when safe, and a second scan is clean;
a served directory is never repaired; exit codes 0 / 1 / 2."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from cargobay.cli import main
from cargobay.cli.serve import directory_lock
from cargobay.s3.store import ObjectMeta, ObjectStore, PutChecks, StoreConfig
from cargobay.s3.store.fsck import LOST_AND_FOUND, Kind, check, scan
from cargobay.s3.store.serverlock import DirectoryBusy

B = "bkt"
ODD_KEY = "odd//key/"  # empty segment and trailing slash: lives in the internal area


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def store(root: Path) -> Iterator[ObjectStore]:
    s = ObjectStore(str(root), StoreConfig(durable=False, min_part_size=1))
    s.create_bucket(B)
    yield s
    s.close()


def kinds(report_findings: object) -> list[Kind]:
    return sorted((f.kind for f in report_findings), key=lambda k: k.value)  # type: ignore[attr-defined]


def test_fsck_clean_store_with_verbatim_internal_and_upload_is_clean(store: ObjectStore, root: Path) -> None:
    store.put_bytes(B, "a/b.txt", b"hello")
    store.put_bytes(B, ODD_KEY, b"odd")
    up = store.multipart.create(B, "big")
    store.multipart.put_part_bytes(B, "big", up.upload_id, 1, b"part")
    (root / B / "dropped-in.txt").write_bytes(b"added out of band is not a problem")
    report = scan(str(root))
    assert report.clean, report.render()
    assert report.uploads_in_progress == 1
    assert report.objects_checked >= 3
    assert main(["fsck", str(root)]) == 0


def test_fsck_temp_files_found_and_removed_everywhere(store: ObjectStore, root: Path) -> None:
    store.put_bytes(B, "k", b"v")
    store.put_bytes(B, ODD_KEY, b"odd")
    up = store.multipart.create(B, "m")
    internal_dir = Path(store.layout.internal_dir(B, ODD_KEY))
    temps = [
        root / B / ".cargobay-tmp-0001",
        internal_dir / ".cargobay-tmp-0002",
        root / ".cargobay" / "uploads" / up.upload_id / ".cargobay-tmp-0003",
    ]
    for t in temps:
        t.write_bytes(b"half")
    report = check(str(root), repair=True)
    assert kinds(report.findings) == [Kind.TEMP_FILE] * 3
    assert len(report.repaired) == 3
    assert not any(t.exists() for t in temps)
    assert scan(str(root)).clean
    assert store.head(B, "k").size == 1


def test_fsck_stale_rows_for_deleted_verbatim_and_internal_files(store: ObjectStore, root: Path) -> None:
    store.put_bytes(B, "gone.txt", b"x")
    store.put_bytes(B, ODD_KEY, b"y")
    store.put_bytes(B, "kept", b"z")
    os.unlink(root / B / "gone.txt")
    os.unlink(store.layout.internal_path(B, ODD_KEY))
    report = check(str(root), repair=True)
    assert kinds(report.findings) == [Kind.STALE_ROW, Kind.STALE_ROW]
    assert {f.key for f in report.findings} == {"gone.txt", ODD_KEY}
    assert store.db.get(B, "gone.txt") is None and store.db.get(B, ODD_KEY) is None
    assert store.db.get(B, "kept") is not None
    assert scan(str(root)).clean


def test_fsck_changed_file_gets_fresh_etag_and_drops_stale_checksums(store: ObjectStore, root: Path) -> None:
    store.put_bytes(
        B,
        "doc",
        b"old-bytes",
        ObjectMeta(headers={"content-type": "text/x"}),
        PutChecks(checksums={}),
        algorithms=["crc32"],
    )
    assert store.db.get(B, "doc").meta.checksums  # type: ignore[union-attr]
    path = root / B / "doc"
    st = path.stat()
    path.write_bytes(b"new-bytes")  # same size
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # mtime restored: only ctime/content tell
    report = check(str(root), repair=True)
    assert kinds(report.findings) == [Kind.CHANGED_FILE]
    row = store.db.get(B, "doc")
    assert row is not None and row.meta is not None
    assert row.etag == hashlib.md5(b"new-bytes").hexdigest()
    assert row.meta.checksums == {} and row.meta.headers == {"content-type": "text/x"}
    assert store.head(B, "doc").etag == row.etag
    assert scan(str(root)).clean


def test_fsck_changed_internal_file_is_refreshed(store: ObjectStore, root: Path) -> None:
    store.put_bytes(B, ODD_KEY, b"one")
    Path(store.layout.internal_path(B, ODD_KEY)).write_bytes(b"two, longer")
    report = check(str(root), repair=True)
    assert kinds(report.findings) == [Kind.CHANGED_FILE]
    assert store.head(B, ODD_KEY).etag == hashlib.md5(b"two, longer").hexdigest()
    assert scan(str(root)).clean


def test_fsck_internal_file_without_row_moves_to_lost_and_found(store: ObjectStore, root: Path) -> None:
    store.put_bytes(B, ODD_KEY, b"orphaned bytes")
    path = store.layout.internal_path(B, ODD_KEY)
    store.db.delete(B, ODD_KEY)  # what a crash between the rename and the row commit leaves
    report = check(str(root), repair=True)
    assert kinds(report.findings) == [Kind.ORPHAN_INTERNAL]
    assert not os.path.exists(path)
    lost = list((root / ".cargobay" / LOST_AND_FOUND).iterdir())
    assert [p.read_bytes() for p in lost] == [b"orphaned bytes"]
    assert scan(str(root)).clean


def test_fsck_rows_of_a_bucket_removed_out_of_band(store: ObjectStore, root: Path) -> None:
    store.create_bucket("other")
    store.put_bytes("other", ODD_KEY, b"i")
    store.put_bytes("other", "plain", b"p")
    shutil.rmtree(root / "other")
    report = check(str(root), repair=True)
    assert kinds(report.findings) == [Kind.ORPHAN_BUCKET_ROWS, Kind.ORPHAN_INTERNAL]
    assert store.db.get("other", "plain") is None and store.db.get("other", ODD_KEY) is None
    assert scan(str(root)).clean


def test_fsck_upload_debris(store: ObjectStore, root: Path) -> None:
    staging = root / ".cargobay" / "uploads"
    lost_dir = store.multipart.create(B, "a")
    shutil.rmtree(staging / lost_dir.upload_id)
    stray = staging / ("0" * 32)
    stray.mkdir()
    (stray / "00001.abc").write_bytes(b"p")
    live = store.multipart.create(B, "b")
    store.multipart.put_part_bytes(B, "b", live.upload_id, 1, b"part one")
    (staging / live.upload_id / "00002.deadbeef0000").write_bytes(b"renamed, row never written")
    report = check(str(root), repair=True)
    assert kinds(report.findings) == [Kind.ORPHAN_PART_FILE, Kind.STAGING_NO_UPLOAD, Kind.UPLOAD_NO_STAGING]
    assert store.db.get_upload(lost_dir.upload_id) is None
    assert not stray.exists()
    assert sorted(p.name for p in (staging / live.upload_id).iterdir()) == [
        r.file for r in store.db.parts(live.upload_id)
    ]
    after = scan(str(root))
    assert after.clean and after.uploads_in_progress == 1
    # the live upload still completes
    part = store.multipart.list_parts(B, "b", live.upload_id).parts[0]
    from cargobay.s3.store.multipart import CompletedPart

    info = store.multipart.complete(B, "b", live.upload_id, [CompletedPart(1, part.etag)])
    assert info.size == len(b"part one")


def test_fsck_missing_part_file_is_reported_not_repaired(store: ObjectStore, root: Path) -> None:
    up = store.multipart.create(B, "m")
    store.multipart.put_part_bytes(B, "m", up.upload_id, 1, b"x")
    (part_row,) = store.db.parts(up.upload_id)
    os.unlink(root / ".cargobay" / "uploads" / up.upload_id / part_row.file)
    report = check(str(root), repair=True)
    assert kinds(report.findings) == [Kind.PART_FILE_MISSING]
    assert report.repaired == ()
    assert "not repairable" in report.render()
    assert main(["fsck", str(root), "--repair"]) == 1


def test_fsck_refuses_to_repair_a_served_directory(
    store: ObjectStore, root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store.put_bytes(B, "k", b"v")
    temp = root / B / ".cargobay-tmp-inflight"
    temp.write_bytes(b"a write in progress")
    with directory_lock(str(root / ".cargobay")):
        with pytest.raises(DirectoryBusy):
            check(str(root), repair=True)
        assert main(["fsck", str(root), "--repair"]) == 2
        assert "being served" in capsys.readouterr().err
        assert temp.exists()
        report = scan(str(root))
        assert report.served and kinds(report.findings) == [Kind.TEMP_FILE]
        assert "being served" in report.render()
    assert main(["fsck", str(root), "--repair"]) == 0  # the one problem was repaired
    assert not temp.exists()
    assert main(["fsck", str(root)]) == 0


def test_fsck_cli_exit_codes_and_json(
    store: ObjectStore, root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["fsck", str(tmp_path / "missing")]) == 2
    assert main(["fsck", str(root)]) == 0
    (root / B / ".cargobay-tmp-x").write_bytes(b"")
    capsys.readouterr()
    assert main(["fsck", str(root), "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["clean"] is False
    assert [(f["kind"], f["path"], f["repaired"]) for f in doc["findings"]] == [
        ("temp-file", f"{B}/.cargobay-tmp-x", False)
    ]
    with pytest.raises(SystemExit) as exc:
        main(["fsck"])
    assert exc.value.code == 2


def test_fsck_cli_refuses_a_directory_that_is_not_a_data_dir(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "bucket").mkdir()
    (tmp_path / "bucket" / "f").write_bytes(b"x")
    assert main(["fsck", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "not a cargobay data directory" in err and "--any-dir" in err and len(err.splitlines()) == 1
    assert main(["fsck", str(tmp_path), "--any-dir"]) == 0
    assert not (tmp_path / ".cargobay").exists()


def test_fsck_plain_directory_without_sidecar_is_clean_and_untouched(tmp_path: Path) -> None:
    (tmp_path / "bucket" / "sub").mkdir(parents=True)
    (tmp_path / "bucket" / "sub" / "f").write_bytes(b"x")
    report = scan(str(tmp_path))
    assert report.clean and report.objects_checked == 1
    assert not (tmp_path / ".cargobay").exists()


def test_fsck_version_area_missing_and_orphan_versions(store: ObjectStore, root: Path) -> None:
    store.set_versioning(B, "Enabled")
    first = store.put_bytes(B, "v", b"one").version_id
    second = store.put_bytes(B, "v", b"two").version_id
    store.put_bytes(B, "v", b"three")
    assert first is not None and second is not None
    assert scan(str(root)).clean, scan(str(root)).render()
    versions = {v.version_id: v for v in store.db.versions_of(B, "v")}
    lost = Path(store.layout.version_path(B, "v", versions[first].seq))
    lost.unlink()
    stray = Path(store.layout.version_dir(B, "v")) / f"{12345:020d}"
    stray.write_bytes(b"nobody's")
    store.close()
    report = check(str(root), repair=True)
    assert kinds(report.findings) == [Kind.ORPHAN_VERSION, Kind.VERSION_MISSING], report.render()
    assert len(report.repaired) == 2
    assert scan(str(root)).clean
    assert (root / ".cargobay" / LOST_AND_FOUND).is_dir() and not stray.exists()
    reopened = ObjectStore(str(root), StoreConfig(durable=False))
    try:
        ids = [e.version_id for e in reopened.list_versions(B).entries]
        assert first not in ids and second in ids  # the lost version is not listed, never invented
    finally:
        reopened.close()


def test_fsck_leaves_a_version_move_in_progress_and_a_versioned_edit_to_the_server(
    store: ObjectStore, root: Path
) -> None:
    store.set_versioning(B, "Enabled")
    old = store.put_bytes(B, "k", b"old")
    row = store.db.get(B, "k")
    assert row is not None
    # A PUT that died after linking the current version into the area and renaming the new bytes.
    link = Path(store.layout.version_path(B, "k", row.seq))
    link.parent.mkdir(parents=True, exist_ok=True)
    os.link(root / B / "k", link)
    (root / B / "k.new").write_bytes(b"new")
    os.replace(root / B / "k.new", root / B / "k")
    store.close()
    report = check(str(root), repair=True)
    assert kinds(report.findings) == [Kind.CHANGED_FILE], report.render()
    assert not report.repaired and link.exists()
    reopened = ObjectStore(str(root), StoreConfig(durable=False))
    try:
        current = reopened.head(B, "k")
        assert current.etag == hashlib.md5(b"new").hexdigest() and current.version_id != old.version_id
        with reopened.open(B, "k", old.version_id) as obj:  # the acknowledged version kept its place
            assert os.pread(obj.fd, 10, 0) == b"old"
        assert scan(str(root)).clean
    finally:
        reopened.close()


@pytest.mark.parametrize("key", ["k", ODD_KEY])
def test_fsck_repair_keeps_a_version_whose_promotion_stopped_after_its_rename(
    store: ObjectStore, root: Path, key: str
) -> None:
    """A delete by id renamed the next newest version over the key's path and crashed before
    its row: the version's file is not missing (it is at the key's path, same inode) and, for an
    internal key, that file is no orphan. Repair must not drop the version nor move its bytes."""
    store.set_versioning(B, "Enabled")
    v1 = store.put_bytes(B, key, b"one").version_id
    path = store.space.locate(B, key, store.db.get(B, key))[0]
    store.put_bytes(B, key, b"two")
    older = store.db.versions_of(B, key)[0]
    store.db.apply(delete_object=(B, key))  # the crash: v2 is gone, v1 renamed, its row never written
    os.rename(store.layout.version_path(B, key, older.seq), path)
    store.close()
    report = check(str(root), repair=True)
    assert not report.findings, report.render()
    reopened = ObjectStore(str(root), StoreConfig(durable=False))
    try:
        with reopened.open(B, key) as obj:
            assert obj.info.version_id == v1 and os.pread(obj.fd, 10, 0) == b"one"
    finally:
        reopened.close()
