"""A request whose handler is cancelled gives back everything the store opened for it.

The store's ``begin_put`` / ``begin_part`` / ``open`` run on the I/O pool and return something that
owns resources: a descriptor, a temp file, a region of a multipart assembly file marked as being
written. A handler cancelled while such a call is queued or running (the call still runs to its
end: iopool.py), or after it returned and before the resource was handed on, must still abort or
close it: no descriptor leaks, no temp file stays behind, the region is free again.

cargobay's own runner leaves a handler running when its client goes away (aiohttp's default: the
body read fails instead), and cancels handlers when the server shuts down. Here the app runs on a
runner with ``handler_cancellation=True``, so a real client that hangs up lands a cancellation at
an exact point: the store call is held on a barrier (:class:`_Gate`) until the server has seen the
connection close, then let go.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import re
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, cast

import aiohttp
import pytest
from aiohttp import web

from cargobay._fsutil import TEMP_PREFIX
from cargobay.s3.errors import IncompleteBody
from cargobay.s3.http import cors
from cargobay.s3.http.app import create_app, open_services
from cargobay.s3.http.body import stream_into
from cargobay.s3.http.context import ServeConfig, Services
from cargobay.s3.http.iopool import IOPool
from cargobay.s3.store import OpenObject, PendingPart, PendingPut, PutChecks
from cargobay.testing.servers import InProcessServer

MiB = 1 << 20


def _temp_files(root: str) -> list[str]:
    return [name for _, _, files in os.walk(root) for name in files if name.startswith(TEMP_PREFIX)]


class _Gate:
    """Wraps a store call: records that it started, holds it until :attr:`release` is set, then
    runs it and keeps what it returned in :attr:`made`."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.made: list[Any] = []

    def wrap(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        def held(*args: Any, **kwargs: Any) -> Any:
            self.entered.set()
            assert self.release.wait(30), "the test never let the call go"
            result = fn(*args, **kwargs)
            self.made.append(result)
            return result

        return held


@dataclass
class _Served:
    services: Services
    runner: web.AppRunner
    port: int

    @property
    def root(self) -> str:
        return self.services.config.root

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def connections(self) -> int:
        server = self.runner.server
        return 0 if server is None else len(server.connections)


@asynccontextmanager
async def _serving(root: str) -> AsyncIterator[_Served]:
    config = ServeConfig(root=root, port=0, auth=False, durable=False, io_threads=2)
    services = open_services(config)
    runner = web.AppRunner(create_app(services), handler_cancellation=True, handle_signals=False, auto_decompress=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    assert site._server is not None
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
    try:
        yield _Served(services, runner, port)
    finally:
        await runner.cleanup()
        services.executor.shutdown(wait=True)
        for _ in range(3):
            await asyncio.sleep(0)  # completions the pool delivered meanwhile
        services.store.close()
    assert services.internal_errors == 0


async def _until(condition: Callable[[], bool], timeout: float = 30.0) -> bool:
    """Whether ``condition`` came true within ``timeout`` (polled: the clean-up runs on a worker)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.01)
    return True


async def _hang_up_inside(served: _Served, gate: _Gate, request: bytes) -> None:
    """Send ``request`` (headers and maybe part of a body), wait until ``gate``'s call has started,
    close the connection, wait until the server has seen it close (its handler is cancelled
    then), and let the call go on."""
    others = served.connections()  # the test's own keep-alive connection
    _reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
    writer.write(request)
    await writer.drain()
    assert await asyncio.to_thread(gate.entered.wait, 30), "the request never reached the store call"
    writer.close()
    await writer.wait_closed()
    assert await _until(lambda: served.connections() == others), "the server never saw the client hang up"
    gate.release.set()


def _head(method: str, target: str, length: int | None = None, *, extra: tuple[str, ...] = ()) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1", *extra]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def _create_bucket(session: aiohttp.ClientSession, served: _Served, bucket: str) -> None:
    async with session.put(f"{served.url}/{bucket}") as answer:
        assert answer.status == 200, await answer.text()


@asynccontextmanager
async def _serving_with_begin_put_held(root: str) -> AsyncIterator[tuple[_Served, aiohttp.ClientSession, _Gate]]:
    """A served ``root`` with a bucket ``bkt`` whose store's ``begin_put`` waits on the gate."""
    async with _serving(root) as served, aiohttp.ClientSession() as session:
        await _create_bucket(session, served, "bkt")
        store = served.services.store
        gate = _Gate()
        store.begin_put = gate.wrap(store.begin_put)  # type: ignore[method-assign]
        yield served, session, gate


async def _assert_pending_put_given_back(served: _Served, gate: _Gate) -> None:
    """The PendingPut the held begin_put made is closed and no temp file is left (waited for)."""

    def given_back() -> bool:
        return bool(gate.made) and gate.made[0].file.fd == -1 and not _temp_files(served.root)

    assert await _until(given_back), (gate.made and gate.made[0].file.fd, _temp_files(served.root))


def test_a_put_cancelled_while_begin_put_runs_leaves_no_temp_file_and_no_open_descriptor(tmp_path: Any) -> None:
    async def main() -> None:
        async with _serving_with_begin_put_held(str(tmp_path)) as (served, session, gate):
            store = served.services.store
            size = 4 * MiB  # above small_body_limit: streamed through begin_put
            await _hang_up_inside(served, gate, _head("PUT", "/bkt/k", size) + b"x" * 1000)

            await _assert_pending_put_given_back(served, gate)
            pending: PendingPut = gate.made[0]
            assert pending.file.fd == -1
            # The key is usable: a later PUT of it goes through.
            del store.begin_put
            async with session.put(f"{served.url}/bkt/k", data=io.BytesIO(b"y" * (2 * MiB))) as answer:
                assert answer.status == 200, await answer.text()
            assert _temp_files(served.root) == []

    asyncio.run(main())


def test_a_post_object_cancelled_while_begin_put_runs_leaves_no_temp_file_and_no_open_descriptor(
    tmp_path: Any,
) -> None:
    async def main() -> None:
        async with _serving_with_begin_put_held(str(tmp_path)) as (served, _session, gate):
            boundary = "cargobayform"
            form = (
                f'--{boundary}\r\nContent-Disposition: form-data; name="key"\r\n\r\nposted\r\n'
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\n'
            ).encode() + b"x" * (256 << 10)
            head = _head(
                "POST", "/bkt", len(form) + MiB, extra=(f"Content-Type: multipart/form-data; boundary={boundary}",)
            )
            await _hang_up_inside(served, gate, head + form)

            await _assert_pending_put_given_back(served, gate)

    asyncio.run(main())


def _complete_one(etag: str) -> bytes:
    """CompleteMultipartUpload's body for an upload of one part."""
    return (
        f"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{etag}</ETag></Part></CompleteMultipartUpload>"
    ).encode()


async def _create_upload(session: aiohttp.ClientSession, served: _Served, bucket: str, key: str) -> str:
    async with session.post(f"{served.url}/{bucket}/{key}?uploads") as answer:
        assert answer.status == 200, await answer.text()
        found = re.search(r"<UploadId>([^<]+)</UploadId>", await answer.text())
    assert found is not None
    return found.group(1)


@pytest.mark.parametrize(
    "size", [5 * MiB, 2 * MiB], ids=["written-in-place-into-the-assembly-file", "written-to-its-own-temp-file"]
)
def test_an_upload_part_cancelled_while_begin_part_runs_frees_its_region_and_file(tmp_path: Any, size: int) -> None:
    async def main() -> None:
        async with _serving(str(tmp_path)) as served, aiohttp.ClientSession() as session:
            await _create_bucket(session, served, "bkt")
            upload_id = await _create_upload(session, served, "bkt", "big")
            multipart = served.services.store.multipart
            gate = _Gate()
            multipart.begin_part = gate.wrap(multipart.begin_part)  # type: ignore[method-assign]
            target = f"/bkt/big?partNumber=1&uploadId={upload_id}"
            await _hang_up_inside(served, gate, _head("PUT", target, size) + b"x" * 1000)

            def given_back() -> bool:
                return bool(gate.made) and gate.made[0]._pending.file.fd == -1 and not _temp_files(served.root)

            assert await _until(given_back), (gate.made and gate.made[0]._pending.file.fd, _temp_files(served.root))
            part: PendingPart = gate.made[0]
            assembly = multipart._assemblies.get(upload_id)
            if size == 5 * MiB:
                assert assembly is not None and assembly._writing == set()  # the region is free again
            # The part can be uploaded again and the upload completed with it.
            del multipart.begin_part
            body = os.urandom(size)
            async with session.put(f"{served.url}{target}", data=io.BytesIO(body)) as answer:
                assert answer.status == 200, await answer.text()
                etag = answer.headers["ETag"]
            assert part.part_number == 1
            async with session.post(f"{served.url}/bkt/big?uploadId={upload_id}", data=_complete_one(etag)) as answer:
                assert answer.status == 200, await answer.text()
            async with session.get(f"{served.url}/bkt/big") as answer:
                assert answer.status == 200
                assert await answer.read() == body
            assert _temp_files(served.root) == []

    asyncio.run(main())


async def _put_large_object(session: aiohttp.ClientSession, served: _Served) -> None:
    await _create_bucket(session, served, "bkt")
    async with session.put(f"{served.url}/bkt/large", data=io.BytesIO(b"z" * (300 << 10))) as answer:
        assert answer.status == 200, await answer.text()  # larger than SMALL_OBJECT: sent from its descriptor


def test_a_get_cancelled_while_the_object_is_opened_closes_its_descriptor(tmp_path: Any) -> None:
    async def main() -> None:
        async with _serving(str(tmp_path)) as served, aiohttp.ClientSession() as session:
            await _put_large_object(session, served)
            store = served.services.store
            store.open_cached = lambda *args, **kwargs: None  # type: ignore[method-assign]  # as if its row were stale
            gate = _Gate()
            store.open = gate.wrap(store.open)  # type: ignore[method-assign]
            await _hang_up_inside(served, gate, _head("GET", "/bkt/large"))
            assert await _until(lambda: bool(gate.made) and gate.made[0].fd == -1), gate.made and gate.made[0].fd
            obj: OpenObject = gate.made[0]
            assert obj.fd == -1

    asyncio.run(main())


def test_a_get_cancelled_after_its_object_was_opened_closes_its_descriptor(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The handler returned a response that holds the object's descriptor; the CORS lookup that
    follows (a request with Origin) is where the cancellation lands."""

    async def main() -> None:
        async with _serving(str(tmp_path)) as served, aiohttp.ClientSession() as session:
            await _put_large_object(session, served)
            store = served.services.store
            opened: list[OpenObject] = []
            open_cached = store.open_cached

            def recording(*args: Any, **kwargs: Any) -> OpenObject | None:
                obj = open_cached(*args, **kwargs)
                if obj is not None:
                    opened.append(obj)
                return obj

            store.open_cached = recording  # type: ignore[method-assign]
            gate = _Gate()
            monkeypatch.setattr(cors, "_rules", gate.wrap(cors._rules))
            await _hang_up_inside(served, gate, _head("GET", "/bkt/large", extra=("Origin: http://example.com",)))
            assert await _until(lambda: bool(opened) and opened[0].fd == -1), opened and opened[0].fd
            assert len(opened) == 1

    asyncio.run(main())


def _open_files_under(root: str) -> list[str]:
    """What this process's descriptors point at under ``root`` (temp files and assembly files;
    the metadata database's own files left out)."""
    found = []
    for name in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            target = os.readlink(f"/proc/self/fd/{name}")
            base = os.path.basename(target)
            if target.startswith(root) and base.startswith((TEMP_PREFIX, "assembly.")):
                found.append(target)
    return found


def test_a_client_that_hangs_up_mid_body_leaves_nothing_behind_on_the_real_server(tmp_path: Any) -> None:
    """The runner ``cargobay serve`` uses (no handler cancellation: the body read fails instead):
    a PUT and an UploadPart whose client goes away halfway give back their temp file, their
    descriptors and their region, and the part can be sent again."""
    root = str(tmp_path / "root")
    os.makedirs(root)
    with InProcessServer(root=root, auth=False) as server:
        url = server.endpoint.url

        async def main() -> None:
            port = int(url.rsplit(":", 1)[1])
            async with aiohttp.ClientSession() as session:
                async with session.put(f"{url}/bkt") as answer:
                    assert answer.status == 200, await answer.text()
                async with session.post(f"{url}/bkt/big?uploads") as answer:
                    found = re.search(r"<UploadId>([^<]+)</UploadId>", await answer.text())
                assert found is not None
                upload_id = found.group(1)
                part = f"/bkt/big?partNumber=1&uploadId={upload_id}"
                for target in ("/bkt/k", part):
                    _reader, writer = await asyncio.open_connection("127.0.0.1", port)
                    writer.write(_head("PUT", target, 5 * MiB) + b"x" * (3 * MiB // 2))
                    await writer.drain()
                    writer.close()
                    await writer.wait_closed()

                def given_back() -> bool:
                    # the assembly file's own descriptor stays while its upload is in progress
                    return not _temp_files(root) and len(_open_files_under(root)) <= 1

                assert await _until(given_back), (_temp_files(root), _open_files_under(root))
                body = os.urandom(5 * MiB)
                async with session.put(f"{url}{part}", data=io.BytesIO(body)) as answer:
                    assert answer.status == 200, await answer.text()
                    etag = answer.headers["ETag"]
                async with session.post(f"{url}/bkt/big?uploadId={upload_id}", data=_complete_one(etag)) as answer:
                    assert answer.status == 200, await answer.text()
                async with session.get(f"{url}/bkt/big") as answer:
                    assert await answer.read() == body
                assert _temp_files(root) == []
                assert _open_files_under(root) == []

        asyncio.run(main())
        assert server.running.services.internal_errors == 0


class _HeldSink:
    """A sink whose first write is held until :attr:`release` is set; it records what ran."""

    def __init__(self) -> None:
        self.events: list[str] = []
        self.entered = threading.Event()
        self.release = threading.Event()
        self.aborted = threading.Event()

    def want_sha256(self) -> None:
        pass

    def write_many(self, chunks: Any) -> None:
        self.events.append("write")
        self.entered.set()
        assert self.release.wait(30)
        self.events.append("written")

    def abort(self) -> None:
        self.events.append("abort")
        self.aborted.set()


class _TwoBatches:
    """A body of two batches, then a client that goes quiet."""

    async def batches(self) -> AsyncIterator[list[bytes]]:
        yield [b"first"]
        yield [b"second"]
        await asyncio.Event().wait()

    def finish(self, checks: PutChecks) -> PutChecks:
        return checks


@pytest.mark.parametrize("cancellations", [1, 2], ids=["cancelled", "cancelled-again-while-waiting"])
def test_a_body_cancelled_while_a_batch_is_written_is_aborted_once_after_that_write(
    tmp_path: Any, cancellations: int
) -> None:
    """The handler is cancelled while it awaits the write of batch 1 (batch 2 in hand): the abort
    must not close the file under that write, and must happen exactly once even if the handler
    is cancelled again while it waits for it."""
    pool = IOPool(2)
    services = Services(config=ServeConfig(root=str(tmp_path)), store=cast(Any, None), executor=pool)
    ctx = cast(Any, SimpleNamespace(services=services))
    sink = _HeldSink()

    async def main() -> None:
        task = asyncio.ensure_future(stream_into(ctx, _TwoBatches(), sink, PutChecks()))
        assert await asyncio.to_thread(sink.entered.wait, 30)
        for _ in range(cancellations):
            task.cancel()
            for _ in range(10):
                await asyncio.sleep(0)  # the handler reacts to its cancellation
        # Whatever the handler queued meanwhile has run: the free worker takes calls in order.
        assert await pool.run(lambda: "marker") == "marker"
        sink.release.set()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await asyncio.to_thread(sink.aborted.wait, 30)
        assert await pool.run(lambda: "idle") == "idle"

    try:
        asyncio.run(main())
    finally:
        pool.shutdown()
    assert sink.events == ["write", "written", "abort"]


class _FailingAbortSink:
    """A sink whose abort fails (a close reporting EIO, say) after recording that it ran."""

    def __init__(self) -> None:
        self.events: list[str] = []

    def want_sha256(self) -> None:
        pass

    def write_many(self, chunks: Any) -> None:
        self.events.append("write")

    def abort(self) -> None:
        self.events.append("abort")
        raise OSError(5, "abort failed")


class _Batches:
    def __init__(self, *batches: bytes) -> None:
        self._batches = batches

    async def batches(self) -> AsyncIterator[list[bytes]]:
        for batch in self._batches:
            yield [batch]

    def finish(self, checks: PutChecks) -> PutChecks:
        return checks


@pytest.mark.parametrize(
    ("batches", "events"),
    [((b"too long",), ["abort"]), ((b"ab", b"cdef"), ["write", "abort"])],
    ids=["nothing-written", "after-a-write"],
)
def test_a_body_whose_abort_fails_raises_the_error_that_stopped_it(
    tmp_path: Any, batches: tuple[bytes, ...], events: list[str]
) -> None:
    """The body is longer than declared (IncompleteBody, a 400) and the sink's abort fails too:
    the handler still raises IncompleteBody, noting the abort's failure, not the abort's OSError
    (which would answer 500)."""
    pool = IOPool(2)
    services = Services(config=ServeConfig(root=str(tmp_path)), store=cast(Any, None), executor=pool)
    ctx = cast(Any, SimpleNamespace(services=services))
    sink = _FailingAbortSink()

    async def main() -> None:
        with pytest.raises(IncompleteBody) as raised:
            await stream_into(ctx, _Batches(*batches), sink, PutChecks(expected_size=3))
        assert any("abort failed" in note for note in raised.value.__notes__)

    try:
        asyncio.run(main())
    finally:
        pool.shutdown()
    assert sink.events == events
