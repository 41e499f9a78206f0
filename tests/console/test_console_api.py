"""The console's JSON endpoints without a browser: sign-in refusals, the session cookie, CSRF,
idle expiry, and that a signed request still meets the S3 API's own access decision."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
import requests

from cargobay.s3.http.console import CONSOLE_KEY
from cargobay.testing.clients import boto3_client
from cargobay.testing.servers import InProcessServer, new_credentials

Users = tuple[InProcessServer, tuple[str, str], tuple[str, str]]


@pytest.fixture()
def two_users() -> Iterator[Users]:
    alice, bob = new_credentials(), new_credentials()
    with InProcessServer(
        credentials=dict([alice, bob]),
        users={alice[0]: "alice", bob[0]: "bob"},
        default_owner="alice",
        console=True,
        console_idle_timeout=60.0,
    ) as server:
        yield server, alice, bob


def _api(server: InProcessServer) -> str:
    return server.endpoint.url + "/_cargobay/console/api/"


def _login(server: InProcessServer, key: str, secret: str) -> tuple[requests.Session, str]:
    http = requests.Session()
    r = http.post(_api(server) + "login", json={"access_key": key, "secret": secret}, timeout=10)
    assert r.status_code == 200, r.text
    return http, r.json()["csrf"]


def test_console_is_off_unless_asked() -> None:
    with InProcessServer() as server:
        r = requests.get(server.endpoint.url + "/_cargobay/console/", timeout=10)
        assert r.status_code == 404
        assert "console is off" in r.text


def test_wrong_credentials_are_refused(two_users: Users) -> None:
    server, (akey, _), _ = two_users
    for body in ({"access_key": akey, "secret": "wrong"}, {"access_key": "nobody", "secret": "x"}):
        r = requests.post(_api(server) + "login", json=body, timeout=10)
        assert r.status_code == 401
        assert r.json() == {"error": "wrong access key or secret"}
        assert "Set-Cookie" not in r.headers


def test_cookie_flags_and_key_file(two_users: Users) -> None:
    server, (akey, asecret), _ = two_users
    r = requests.post(_api(server) + "login", json={"access_key": akey, "secret": asecret}, timeout=10)
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/_cargobay/console/" in cookie
    assert "Secure" not in cookie  # plain HTTP here; under TLS aiohttp's request.secure adds it
    key_file = os.path.join(server.root, ".cargobay", "console.key")
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    with open(key_file, "rb") as f:
        assert len(f.read()) == 32


def test_state_changing_calls_need_the_csrf_token(two_users: Users) -> None:
    server, (akey, asecret), _ = two_users
    http, csrf = _login(server, akey, asecret)
    call: dict[str, Any] = {"method": "PUT", "path": "/newbucket", "query": [], "headers": {}}
    for headers in ({}, {"X-CSRF-Token": "forged"}):
        r = http.post(_api(server) + "sign", json=call, headers=headers, timeout=10)
        assert r.status_code == 403
        assert r.json() == {"error": "missing or wrong CSRF token"}
    r = http.post(_api(server) + "logout", json={}, timeout=10)
    assert r.status_code == 403  # logout too
    r = http.post(
        _api(server) + "sign", json=call, headers={"X-CSRF-Token": csrf, "Origin": "http://evil.example"}, timeout=10
    )
    assert r.status_code == 403
    r = http.post(_api(server) + "sign", json=call, headers={"X-CSRF-Token": csrf}, timeout=10)
    assert r.status_code == 200
    signed = r.json()
    put = requests.put(server.endpoint.url + signed["url"], headers=signed["headers"], timeout=10)
    assert put.status_code == 200, put.text


def test_forged_cookie_expired_session_and_logout(two_users: Users) -> None:
    server, (akey, asecret), _ = two_users
    http, csrf = _login(server, akey, asecret)
    assert http.get(_api(server) + "session", timeout=10).json()["user"] == "alice"
    value = http.cookies.get("cargobay_console") or ""
    forged_value = value[:-1] + ("1" if value.endswith("0") else "0")
    forged = requests.get(_api(server) + "session", cookies={"cargobay_console": forged_value}, timeout=10)
    assert forged.status_code == 401
    # Idle expiry on a test clock (console_idle_timeout=60 in the fixture): a real sleep races the load.
    sessions = server.running.runner.app[CONSOLE_KEY].sessions
    real_clock = sessions.clock
    sessions.clock = lambda: real_clock() + 61.0
    r = http.get(_api(server) + "session", timeout=10)
    assert r.status_code == 401
    assert r.json() == {"error": "not signed in, or the session expired"}
    http, csrf = _login(server, akey, asecret)
    assert http.post(_api(server) + "logout", json={}, headers={"X-CSRF-Token": csrf}, timeout=10).status_code == 200
    assert requests.get(_api(server) + "session", cookies={"cargobay_console": value}, timeout=10).status_code == 401
    assert http.get(_api(server) + "session", timeout=10).status_code == 401


def test_a_signed_request_meets_the_s3_access_decision(two_users: Users) -> None:
    server, (akey, asecret), (bkey, bsecret) = two_users
    s3: Any = boto3_client(replace(server.endpoint, access_key=akey, secret_key=asecret))
    s3.create_bucket(Bucket="private")
    s3.put_object(Bucket="private", Key="secret.txt", Body=b"alice only")
    http, csrf = _login(server, bkey, bsecret)
    for method, path in (("GET", "/private/secret.txt"), ("DELETE", "/private/secret.txt"), ("GET", "/private")):
        r = http.post(
            _api(server) + "sign",
            json={"method": method, "path": path, "query": [], "headers": {}},
            headers={"X-CSRF-Token": csrf},
            timeout=10,
        )
        signed = r.json()
        answer = requests.request(method, server.endpoint.url + signed["url"], headers=signed["headers"], timeout=10)
        assert answer.status_code == 403, (method, path, answer.text)
        assert "<Code>AccessDenied</Code>" in answer.text
    r = http.post(
        _api(server) + "presign",
        json={"path": "/private/secret.txt", "expires": 60},
        headers={"X-CSRF-Token": csrf},
        timeout=10,
    )
    assert requests.get(r.json()["url"], timeout=10).status_code == 403
    # The console cannot be used to sign a call to itself, nor for longer than 7 days.
    bad: list[dict[str, Any]] = [
        {"path": "/_cargobay/console/api/logout", "expires": 60},
        {"path": "/private/x", "expires": 604801},
    ]
    for body in bad:
        assert (
            http.post(_api(server) + "presign", json=body, headers={"X-CSRF-Token": csrf}, timeout=10).status_code
            == 400
        )
    assert s3.get_object(Bucket="private", Key="secret.txt")["Body"].read() == b"alice only"


def test_serve_prints_the_console_url_and_no_console_turns_it_off(tmp_path: Any) -> None:
    import signal
    import subprocess
    import sys

    from cargobay.testing.servers import free_port, wait_until_answers

    clean = {k: v for k, v in os.environ.items() if not k.startswith("CARGOBAY_")}
    for flags, expect_console in (([], True), (["--no-console"], False)):
        port = free_port()
        proc = subprocess.Popen(
            [sys.executable, "-m", "cargobay", "serve", str(tmp_path / "data"), "--port", str(port), *flags],
            env=clean,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            wait_until_answers(f"http://127.0.0.1:{port}", process=proc)
            page = requests.get(f"http://127.0.0.1:{port}/_cargobay/console/", timeout=10)
        finally:
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        url = f"web console: http://127.0.0.1:{port}/_cargobay/console/"
        if expect_console:
            assert url in out
            assert page.status_code == 200 and '<script type="module" src="app.js">' in page.text
        else:
            assert "web console" not in out
            assert page.status_code == 404
