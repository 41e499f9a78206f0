"""Generated bad inputs to every command give one line on stderr and exit 1 or 2, never a traceback.

In-process (``cargobay.cli.main``) so Hypothesis can try many; the base-install subprocess test
(``test_base_install.py``) covers the findings themselves.
"""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cargobay.cli import main as _main

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")
FIXTURES_OK = settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)


def main(argv: list[str]) -> int:
    """The command's exit status, whether it returned it or argparse raised SystemExit."""
    try:
        return _main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


def _one_line(capsys: pytest.CaptureFixture[str], status: int, allowed: tuple[int, ...]) -> str:
    err = capsys.readouterr().err
    assert status in allowed, (status, err)
    assert "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1, err
    return err


def _not_a_url(text: str) -> bool:
    return not text.lower().startswith(("http://", "https://"))


@FIXTURES_OK
@given(endpoint=st.text(min_size=1, max_size=40).filter(_not_a_url))
@pytest.mark.parametrize("command", [["check-sync"], ["sync", ".", "s3://bucket/prefix"]])
def test_any_non_url_endpoint_is_a_one_line_usage_error(
    capsys: pytest.CaptureFixture[str], command: list[str], endpoint: str
) -> None:
    status = main([*command, "--endpoint", endpoint])
    _one_line(capsys, status, (2,))


@FIXTURES_OK
@given(
    host=st.text(string.ascii_lowercase + string.digits + "-", min_size=1, max_size=12),
    port=st.one_of(st.integers(min_value=1, max_value=65535).map(str), st.just("")),
)
def test_urls_with_bad_ports_or_hosts_never_trace(capsys: pytest.CaptureFixture[str], host: str, port: str) -> None:
    # An unresolvable host with no credentials: either way one line, exit 1 (runtime) or 2 (usage).
    status = main(["check-sync", "--endpoint", f"http://{host}.invalid:{port}x"])
    _one_line(capsys, status, (2,))


@FIXTURES_OK
@given(value=st.text(min_size=1, max_size=12).filter(lambda t: not t.startswith("-")))
@pytest.mark.parametrize("flag", ["--part-size", "--transfers", "--retries", "--max-delete", "--min-age"])
def test_bad_option_values_of_sync_give_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, flag: str, value: str
) -> None:
    status = main(["sync", str(tmp_path / "missing-src"), str(tmp_path / "dst"), flag, value])
    _one_line(capsys, status, (1, 2))


@FIXTURES_OK
@given(
    parts=st.lists(
        st.text(string.ascii_letters + string.digits + "._-", min_size=1, max_size=8), min_size=1, max_size=3
    )
)
def test_copy_to_a_destination_under_a_file_gives_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, parts: list[str]
) -> None:
    src = tmp_path / "src"
    src.mkdir(exist_ok=True)
    (src / "f").write_bytes(b"x")
    blocker = tmp_path / "a-file"
    blocker.write_bytes(b"")
    dst = blocker.joinpath(*parts)
    err = _one_line(capsys, main(["copy", str(src), str(dst)]), (1, 2))
    assert "a-file" in err


def test_all_versions_to_an_unreachable_endpoint_is_one_line_not_a_bug(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A port nobody listens on: the replay's own HTTP client fails to connect; the user gets what
    failed and exit 1, not "internal error ... (a bug)"."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"  # bound, never listening: refused
        for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "a")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "b")
        status = main(["sync", "s3://a/b", "s3://c/d", "--src-endpoint", url, "--dst-endpoint", url, "--all-versions"])
    err = _one_line(capsys, status, (1,))
    assert "internal error" not in err and "cannot reach the endpoint" in err, err
