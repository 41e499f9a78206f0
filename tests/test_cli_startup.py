"""What a command start imports: the CLI's parsers must not pull in modules the command never uses."""

from __future__ import annotations

import subprocess
import sys


def test_building_the_copy_and_select_parsers_imports_no_shutil() -> None:
    # argparse's help formatter imports shutil (and zlib, bz2, lzma) for the terminal width
    # unless given one; cargobay.cli gives it one.
    script = (
        "import sys\n"
        "from cargobay.cli import build_parser\n"
        "for name in ('copy', 'select'):\n"
        "    build_parser(name).parse_args([name, 'a', 'b'] if name == 'copy' else [name, 'a'])\n"
        "assert 'shutil' not in sys.modules, 'shutil was imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_help_is_wrapped_to_columns() -> None:
    script = "from cargobay.cli import main\nmain(['copy', '--help'])\n"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env={"COLUMNS": "50", "PATH": ""}
    )
    lines = done.stdout.splitlines()
    assert lines and max(len(line) for line in lines) <= 50


def test_version_imports_no_command_module() -> None:
    # `cargobay --version` used to build every command's parser, and serve's imports asyncio (~38 ms).
    script = (
        "import sys\n"
        "from cargobay.cli import main\n"
        "try:\n"
        "    main(['--version'])\n"
        "except SystemExit as exc:\n"
        "    assert exc.code == 0\n"
        "loaded = [m for m in ('asyncio', 'cargobay.cli.serve', 'cargobay.cli.copy') if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("cargobay ")
