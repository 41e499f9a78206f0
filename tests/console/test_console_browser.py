"""The web console in a real browser: Debian's chromium, headless, driven by Playwright.

One browser for the module; each page is screenshotted (under the test's tmp dir and, for a person
to look at, /tmp/console-shots/). The server is cargobay's own, in process, with two users.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from cargobay.testing.clients import boto3_client
from cargobay.testing.servers import InProcessServer, new_credentials

playwright_sync = pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs Debian's)")

SHOTS = Path("/tmp/console-shots")
MIB = 1 << 20


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_sync.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            yield b
        finally:
            b.close()


@pytest.fixture()
def two_users() -> Iterator[tuple[InProcessServer, tuple[str, str], tuple[str, str]]]:
    alice, bob = new_credentials(), new_credentials()
    server = InProcessServer(
        credentials=dict([alice, bob]), users={alice[0]: "alice", bob[0]: "bob"}, default_owner="alice", console=True
    )
    with server:
        yield server, alice, bob


def _shot(page: Any, tmp: Path, name: str) -> None:
    (tmp / "shots").mkdir(exist_ok=True)
    page.screenshot(path=str(tmp / "shots" / f"{name}.png"), full_page=True)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _sign_in(page: Any, base: str, key: str, secret: str) -> None:
    page.goto(base)
    page.get_by_label("Access key").fill(key)
    page.get_by_label("Secret key").fill(secret)
    page.get_by_role("button", name="Sign in").click()


def _multipart_etag(data: bytes, part: int) -> str:
    digests = [hashlib.md5(data[i : i + part]).digest() for i in range(0, len(data), part)]
    return f'"{hashlib.md5(b"".join(digests)).hexdigest()}-{len(digests)}"'


def test_console_sign_in_upload_share_delete_sign_out(browser: Any, two_users: Any, tmp_path: Path) -> None:
    server, (akey, asecret), (bkey, bsecret) = two_users
    base = server.endpoint.url + "/_cargobay/console/"
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    page = context.new_page()
    dialogs: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", on_dialog)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    # Wrong credentials: a clear refusal, still on the sign-in form.
    _sign_in(page, base, akey, "not-the-secret")
    page.get_by_text("wrong access key or secret").wait_for()
    assert not page.get_by_role("button", name="Sign out").is_visible()  # no app chrome before sign-in
    _shot(page, tmp_path, "01-sign-in-refused")

    _sign_in(page, base, akey, asecret)
    page.get_by_text("Signed in as alice").wait_for()
    page.get_by_label("New bucket name").fill("photos")
    page.get_by_role("button", name="Create bucket").click()
    page.get_by_role("link", name="photos").wait_for()
    _shot(page, tmp_path, "02-buckets")

    # Upload a folder holding a 20 MiB file (sent in parts) and a small one.
    folder = tmp_path / "trip"
    folder.mkdir()
    big = os.urandom(20 * MIB)
    (folder / "big.bin").write_bytes(big)
    (folder / "notes.txt").write_text("hello from the console\n")
    page.get_by_role("link", name="photos").click()
    page.get_by_text("Versioning: never enabled").wait_for()
    page.locator("#pick-folder").set_input_files(str(folder))
    try:
        page.get_by_text("Uploaded 2 files.").wait_for(timeout=30000)
    except Exception:
        _shot(page, tmp_path, "upload-failed")
        raise AssertionError(f"upload did not finish: {errors} / {page.locator('#message').inner_text()}") from None
    page.get_by_role("link", name="trip/", exact=True).click()
    row = page.get_by_role("row").filter(has_text="big.bin")
    row.wait_for()
    assert "20.0 MiB" in row.inner_text()
    expected_etag = _multipart_etag(big, 8 * MIB)
    assert expected_etag in row.inner_text()
    on_disk = Path(server.root) / "photos" / "trip" / "big.bin"
    assert on_disk.read_bytes() == big  # byte-exact on disk
    _shot(page, tmp_path, "03-objects")

    # Details, a tag, a presigned link fetched outside the browser.
    page.get_by_role("link", name="notes.txt").click()
    page.get_by_role("heading", name="Properties").wait_for()
    assert '"' + hashlib.md5(b"hello from the console\n").hexdigest() + '"' in page.locator("main").inner_text()
    page.get_by_label("Tag name").fill("project")
    page.get_by_label("Tag value").fill("cargobay")
    page.get_by_role("button", name="Add tag").click()
    page.get_by_text("Tag saved.").wait_for()
    page.get_by_role("heading", name="Tags").wait_for()
    page.locator("dd", has_text="cargobay").wait_for()
    page.get_by_label("Link expires in").select_option("3600")
    page.get_by_role("button", name="Make link").click()
    page.get_by_text("Link made.").wait_for()
    link = page.locator("#link").input_value()
    assert "X-Amz-Expires=3600" in link
    with urllib.request.urlopen(link, timeout=10) as response:
        assert response.read() == b"hello from the console\n"
    _shot(page, tmp_path, "04-object-detail")

    # Delete both objects: the confirmation names the count.
    page.get_by_role("link", name="← photos/trip/").click()
    page.get_by_label("Select trip/big.bin").check()
    page.get_by_label("Select trip/notes.txt").check()
    page.get_by_role("button", name="Delete selected").click()
    page.get_by_text("Deleted 2 objects.").wait_for()
    assert dialogs[-1] == "Delete 2 objects from photos?"
    assert not on_disk.exists()
    page.get_by_text("Nothing here.").wait_for()

    page.get_by_role("link", name="Status").click()
    page.get_by_role("heading", name="Server status").wait_for()
    status_text = page.locator("main").inner_text()
    assert "Requests since start" in status_text and server.root in status_text
    _shot(page, tmp_path, "05-status")

    # A state-changing call without the CSRF token is refused (the browser's own cookie is sent).
    refused = page.request.post(
        base + "api/sign", data={"method": "DELETE", "path": "/photos", "query": [], "headers": {}}
    )
    assert refused.status == 403
    assert "CSRF" in refused.json()["error"]

    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("heading", name="Sign in to cargobay").wait_for()
    after = page.request.get(base + "api/session")
    assert after.status == 401

    # Bob cannot see alice's bucket, nor open it by its address.
    _sign_in(page, base, bkey, bsecret)
    page.get_by_text("Signed in as bob").wait_for()
    page.get_by_text("No buckets yet.").wait_for()
    assert page.get_by_role("link", name="photos").count() == 0
    page.goto(base + "#/b/photos/")
    page.get_by_text("AccessDenied").wait_for()
    _shot(page, tmp_path, "06-other-user-refused")

    # Narrow window: the objects page still fits (no horizontal scroll of the page itself).
    page.set_viewport_size({"width": 380, "height": 800})
    page.goto(base + "#/buckets")
    page.get_by_role("heading", name="Buckets").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    _shot(page, tmp_path, "07-narrow-buckets")
    context.close()


def test_console_versions_restore_and_upload_in_flight_abort(browser: Any, two_users: Any, tmp_path: Path) -> None:
    server, (akey, asecret), _ = two_users
    s3: Any = boto3_client(replace(server.endpoint, access_key=akey, secret_key=asecret))
    s3.create_bucket(Bucket="kept")
    s3.put_bucket_versioning(Bucket="kept", VersioningConfiguration={"Status": "Enabled"})
    first = s3.put_object(Bucket="kept", Key="doc.txt", Body=b"first draft", Metadata={"author": "alice"})["VersionId"]
    s3.put_object(Bucket="kept", Key="doc.txt", Body=b"second draft")
    upload = s3.create_multipart_upload(Bucket="kept", Key="half.bin")["UploadId"]
    base = server.endpoint.url + "/_cargobay/console/"
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    _sign_in(page, base, akey, asecret)
    page.get_by_text("Signed in as alice").wait_for()

    page.goto(base + "#/b/kept/")
    page.get_by_text("Versioning: Enabled").wait_for()
    page.get_by_text("half.bin (started").wait_for()
    page.get_by_role("button", name="Abort upload of half.bin").click()
    page.get_by_text("Aborted the upload of half.bin").wait_for()
    assert s3.list_multipart_uploads(Bucket="kept").get("Uploads", []) == []
    assert upload

    page.goto(base + "#/o/kept/doc.txt")
    page.get_by_role("heading", name="Versions").wait_for()
    assert page.get_by_role("button", name="Restore version").count() == 1  # only the noncurrent one
    page.get_by_role("button", name=f"Restore version {first}").click()
    page.get_by_text(f"Restored version {first}").wait_for()
    assert s3.get_object(Bucket="kept", Key="doc.txt")["Body"].read() == b"first draft"
    page.locator("dd", has_text="alice").wait_for()  # the restored copy kept its user metadata
    _shot(page, tmp_path, "08-versions")
    context.close()


def test_console_upload_into_a_bucket_with_default_retention(browser: Any, two_users: Any, tmp_path: Path) -> None:
    """A PutObject into a bucket with a default retention must carry Content-MD5 or a checksum (AWS, and
    the server since it checks that): the console's single-PUT upload sends x-amz-checksum-sha256, so the
    upload works and the new version gets the bucket's retention."""
    server, (akey, asecret), _ = two_users
    s3: Any = boto3_client(replace(server.endpoint, access_key=akey, secret_key=asecret))
    s3.create_bucket(Bucket="vault", ObjectLockEnabledForBucket=True)
    s3.put_object_lock_configuration(
        Bucket="vault",
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}},
        },
    )
    base = server.endpoint.url + "/_cargobay/console/"
    page = browser.new_context(viewport={"width": 1100, "height": 800}).new_page()
    _sign_in(page, base, akey, asecret)
    page.get_by_text("Signed in as alice").wait_for()
    page.goto(base + "#/b/vault/")
    page.get_by_text("Versioning: Enabled").wait_for()
    small = tmp_path / "ledger.txt"
    small.write_bytes(b"kept for a day\n")
    page.locator("#pick-files").set_input_files(str(small))
    try:
        page.get_by_text("Uploaded 1 file.").wait_for(timeout=30000)
    except Exception:
        _shot(page, tmp_path, "locked-upload-failed")
        raise AssertionError(f"upload did not finish: {page.locator('#message').inner_text()}") from None
    head = s3.head_object(Bucket="vault", Key="ledger.txt")
    assert head.get("ObjectLockMode") == "GOVERNANCE" and head["ContentLength"] == 15
