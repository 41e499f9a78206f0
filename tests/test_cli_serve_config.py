"""``cargobay serve`` settings: flag > CARGOBAY_* environment > TOML file > default, for every setting."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from cargobay.cli.serve import register
from cargobay.cli.serve_config import SETTINGS, resolve
from cargobay.errors import UsageError
from cargobay.testing.servers import free_port, wait_until_answers


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    return parser.parse_args(["serve", *argv])


def test_precedence_flag_then_environment_then_file_then_default(tmp_path: Path) -> None:
    config = tmp_path / "cargobay.toml"
    config.write_text(
        '[serve]\nport = 9100\nhost = "0.0.0.0"\nregion = "eu-west-1"\nno-fsync = true\nmin_part_size = "8M"\n'
    )
    args = _parse("--port", "9300", "--config", str(config))
    origin = resolve(args, {"CARGOBAY_PORT": "9200", "CARGOBAY_HOST": "127.0.0.2"}, args.config)
    assert (args.port, origin["port"]) == (9300, "flag")
    assert (args.host, origin["host"]) == ("127.0.0.2", "environment")
    assert (args.region, origin["region"]) == ("eu-west-1", str(config))
    assert (args.no_fsync, args.min_part_size) == (True, 8 << 20)
    assert (args.upload_expiry, origin["upload_expiry"]) == (7.0, "default")
    assert args.dir == "./cargobay-data" and args.log_format == "text"


def test_every_flag_of_serve_is_a_setting_with_a_variable() -> None:
    flags = set(vars(_parse())) - {"command", "handler", "config"}
    assert {s.name for s in SETTINGS} == flags  # a new serve flag must be added to SETTINGS
    assert len({s.env for s in SETTINGS}) == len(SETTINGS)


def test_config_file_from_the_environment_and_boolean_variables(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[serve]\nfollow_symlinks = true\n")
    args = _parse()
    resolve(args, {"CARGOBAY_CONFIG": str(config), "CARGOBAY_NO_FSYNC": "yes", "CARGOBAY_NO_AUTH": "0"}, None)
    assert args.follow_symlinks is True and args.no_fsync is True and args.no_auth is False


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[serve]\nprot = 1\n", ("unknown setting 'prot'",)),
        ("[serve]\nport = 'x'\n", ("port",)),
        ("[serve]\nno_fsync = 'maybe'\n", ("no_fsync",)),
        ("port = 1\n", ("[serve] table",)),
        ("[serve\n", ("not valid TOML",)),
        ("[serve]\nlog_format = 'xml'\n", ("log_format", "text, json")),
    ],
)
def test_bad_config_files_name_the_file_and_key(tmp_path: Path, text: str, words: tuple[str, ...]) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(text)
    with pytest.raises(UsageError) as caught:
        resolve(_parse(), {}, str(config))
    assert str(config) in str(caught.value)
    for word in words:
        assert word in str(caught.value)


def test_bad_environment_value_names_the_variable() -> None:
    with pytest.raises(UsageError, match="CARGOBAY_PORT"):
        resolve(_parse(), {"CARGOBAY_PORT": "lots"}, None)


def test_serve_reads_its_port_and_keys_from_a_config_file(tmp_path: Path) -> None:
    port = free_port()
    config = tmp_path / "cargobay.toml"
    config.write_text(
        f'[serve]\ndir = "{tmp_path / "data"}"\nport = {port}\naccess_key = "FILEKEY"\n'
        'secret_key = "filesecret"\nlog_level = "warning"\n'
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "cargobay", "serve", "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until_answers(f"http://127.0.0.1:{port}", process=process)
    finally:
        process.terminate()
        out, err = process.communicate(timeout=30)
    assert "FILEKEY" in out and (tmp_path / "data" / ".cargobay").is_dir(), out + err
