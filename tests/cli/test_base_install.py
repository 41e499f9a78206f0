"""The first hour, in a venv with only ``pip install .`` (no extras): every command's ``--help``,
and the bad inputs a new user met, give one line on stderr and a documented exit status.

The venv is built once per test session (shared by the xdist workers through a lock): a copy of
the source tree (so the build leaves nothing in the checkout) is installed with pip into a venv
without ``--system-site-packages``; pip resolves the base dependencies from its cache or PyPI.
It checks the findings of issue 14: ``cargobay --help`` crashed on a missing ``psutil``; bad
endpoints, unresolvable hosts and unwritable destinations printed tracebacks. Exit statuses are
those of :data:`cargobay.cli.EXIT_CODES` (usage 2, runtime failure 1, interrupted 130).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cargobay.cli import COMMAND_MODULES
from cargobay.cli.bench import WORKLOADS

REPO = Path(__file__).resolve().parents[2]
COMMANDS = [m.rsplit(".", 1)[1].replace("_", "-") for m in COMMAND_MODULES]
# Packages of extras only: none may be importable in the base venv, or the test proves nothing.
EXTRAS_ONLY = ("psutil", "pytest", "hypothesis", "moto", "matplotlib", "asv", "pyinstrument")


def _shared_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def _build(where: Path) -> Path:
    src = where / "src-copy"
    shutil.copytree(REPO / "src", src / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(REPO / name, src / name)
    venv = where / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "-q",
            "--disable-pip-version-check",
            str(src),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        timeout=600,
    )
    return venv


@pytest.fixture(scope="session")
def base_venv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    where = _shared_dir(tmp_path_factory) / "cargobay-base-install"
    where.mkdir(exist_ok=True)
    with open(where / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        venv = where / "venv"
        if not (where / "ready").exists():
            shutil.rmtree(where / "src-copy", ignore_errors=True)
            shutil.rmtree(venv, ignore_errors=True)
            _build(where)
            (where / "ready").touch()
        fcntl.flock(lock, fcntl.LOCK_UN)
    yield venv


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CARGOBAY_", "PYTHON"))}
    env["HOME"] = str(tmp_path)  # no ~/.aws of the machine's user
    env["AWS_CONFIG_FILE"] = env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    return env


def cargobay(
    venv: Path, tmp_path: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(venv / "bin" / "cargobay"), *args],
        capture_output=True,
        text=True,
        env=env or _env(tmp_path),
        cwd=tmp_path,
        timeout=timeout,
    )


def assert_one_line(result: subprocess.CompletedProcess[str], status: int, *words: str) -> None:
    err = result.stderr
    assert result.returncode == status, (result.returncode, err)
    assert "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1, err
    for word in words:
        assert word in err, (word, err)


def test_base_venv_has_no_extras(base_venv: Path, tmp_path: Path) -> None:
    code = "import importlib.util, sys; sys.exit(any(importlib.util.find_spec(n) for n in sys.argv[1:]))"
    result = subprocess.run([str(base_venv / "bin" / "python"), "-c", code, *EXTRAS_ONLY], env=_env(tmp_path))
    assert result.returncode == 0, "an extras-only package is installed in the base venv"


@pytest.mark.parametrize(
    "args",
    [["--help"], ["--version"], *([c, "--help"] for c in COMMANDS), *(["bench", w, "--help"] for w in WORKLOADS)],
    ids=" ".join,
)
def test_help_works_with_the_base_install(base_venv: Path, tmp_path: Path, args: list[str]) -> None:
    result = cargobay(base_venv, tmp_path, *args)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert ("usage: cargobay" in result.stdout) or result.stdout.startswith("cargobay ")


def test_bare_cargobay_is_a_usage_error_with_the_command_list(base_venv: Path, tmp_path: Path) -> None:
    result = cargobay(base_venv, tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "serve" in result.stderr and "sync" in result.stderr


def test_bench_needing_an_extra_says_which(base_venv: Path, tmp_path: Path) -> None:
    result = cargobay(base_venv, tmp_path, "bench", "copy", "--quick", "--plot", str(tmp_path / "p.png"))
    assert_one_line(result, 2, "matplotlib")


# The findings' bad inputs (issue 14, finding 3 and 10), each: args, exit status, words the line names.
def _bad_inputs(tmp_path: Path) -> list[tuple[list[str], int, tuple[str, ...]]]:
    a_file = tmp_path / "a-file"
    a_file.write_bytes(b"x")
    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "sub" / "f").write_bytes(b"y")
    unreachable = "http://127.0.0.1:9"  # discard port: nothing listens
    return [
        (["copy", str(tree), str(a_file / "under-a-file")], 2, ("under-a-file", "not a directory")),
        (["copy", str(tree), "/proc/cargobay-cannot-exist/x"], 2, ("/proc/cargobay-cannot-exist", "another")),
        (["copy", str(tmp_path / "missing"), str(tmp_path / "d")], 2, ("missing",)),
        (
            ["serve", str(tmp_path / "data"), "--host", "no-such-host.invalid", "--port", "0"],
            2,
            ("no-such-host.invalid", "IP address"),
        ),
        (["serve", str(a_file)], 2, ("a-file",)),
        (["serve", "--port", "not-a-port"], 2, ("--port",)),
        (["sync", str(tree), "s3://bucket/p", "--endpoint", "notaurl"], 2, ("notaurl", "http://")),
        (["check-sync", "--endpoint", "notaurl"], 2, ("notaurl", "http://")),
        (["sync", str(tree), "s3://bucket/p", "--endpoint", unreachable], 1, ("AWS_ACCESS_KEY_ID",)),
        (["check-sync", "--endpoint", unreachable], 1, ("could not check", "AWS_ACCESS_KEY_ID")),
        (["sync", str(tree), "s3://bucket/p", "--part-size", "lots"], 2, ("--part-size",)),
        (["fsck", str(tree)], 2, ("not a cargobay data directory", "--any-dir")),
        (["fsck", str(tmp_path / "missing")], 2, ("missing",)),
        (["select", str(tree), "--include", "a[", "--count"], 2, ("a[",)),
        (["bench", "s3", "--endpoint", "no-such-server"], 2, ("no-such-server",)),
        (["no-such-command"], 2, ("no-such-command",)),
    ]


def test_findings_bad_inputs_give_one_line(base_venv: Path, tmp_path: Path) -> None:
    failures = []
    for args, status, words in _bad_inputs(tmp_path):
        result = cargobay(base_venv, tmp_path, *args)
        try:
            assert_one_line(result, status, *words)
        except AssertionError as exc:
            failures.append(f"cargobay {' '.join(args)}: {exc}")
    assert not failures, "\n".join(failures)


def test_unreachable_endpoint_with_credentials_names_the_endpoint(base_venv: Path, tmp_path: Path) -> None:
    env = _env(tmp_path) | {"AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s"}
    tree = tmp_path / "t"
    tree.mkdir()
    for args in (["sync", str(tree), "s3://bucket/p"], ["check-sync"]):
        result = cargobay(base_venv, tmp_path, *args, "--endpoint", "http://127.0.0.1:9", env=env)
        assert_one_line(result, 1, "127.0.0.1:9", "--endpoint")


def test_debug_shows_the_traceback(base_venv: Path, tmp_path: Path) -> None:
    a_file = tmp_path / "f"
    a_file.write_bytes(b"")
    (tmp_path / "tree").mkdir()
    result = cargobay(base_venv, tmp_path, "--debug", "copy", str(tmp_path / "tree"), str(a_file / "x"))
    assert result.returncode == 2 and "Traceback" in result.stderr
