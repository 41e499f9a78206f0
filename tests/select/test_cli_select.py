"""Tests of ``cargobay select``: rule order from the command line, output formats, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cargobay.cli import main
from cargobay.cli.select import parse_age, parse_size


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "t"
    for rel in ("a.py", "keep.log", "x.log", "src/b.py", "src/c.txt", "node_modules/m.js", "big.bin"):
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(rel)
    (root / "big.bin").write_bytes(b"\0" * 4096)
    return root


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["select", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_select_prints_sorted_relative_paths(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(tree), "--exclude", "node_modules/")
    assert code == 0
    assert out.splitlines() == ["a.py", "big.bin", "keep.log", "src/b.py", "src/c.txt", "x.log"]


def test_command_line_order_is_rule_order(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, first, _ = run(capsys, str(tree), "--include", "keep.log", "--exclude", "*.log")
    _, second, _ = run(capsys, str(tree), "--exclude", "*.log", "--include", "keep.log")
    assert first.splitlines() == ["keep.log"]
    assert second.splitlines() == []


def test_count_json_and_null_outputs(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, str(tree), "--include", "*.py", "--count")
    assert out == "2\n"
    _, out, _ = run(capsys, str(tree), "--min-size", "1k", "--json")
    doc = json.loads(out)
    assert doc["count"] == 1
    assert doc["entries"][0]["path"] == "big.bin"
    assert doc["entries"][0]["size"] == 4096
    assert doc["entries"][0]["type"] == "file"
    assert isinstance(doc["entries"][0]["mtime"], float)


def test_null_separator_bytes(tree: Path, capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    main(["select", str(tree), "--include", "src/", "-0"])
    out, _ = capfdbinary.readouterr()
    assert out == b"src/b.py\0src/c.txt\0"


def test_filter_from_exclude_if_present_and_groups(
    tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "rules"
    rules.write_text("# comment\n+ keep.log\n- *.log\n")
    (tree / "src" / ".nobackup").write_text("")
    _, out, _ = run(
        capsys,
        str(tree),
        "--filter-from",
        str(rules),
        "--exclude-if-present",
        ".nobackup",
        "--exclude-group",
        "source",
    )
    # m.js is source code too; src/ is skipped by its marker.
    assert out.splitlines() == ["big.bin", "keep.log"]


def test_bad_rule_is_one_line_with_file_and_line(
    tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "rules"
    rules.write_text("+ ok\n+ [broken\n")
    code, out, err = run(capsys, str(tree), "--filter-from", str(rules))
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert f"{rules}:2: unclosed '['" in err


def test_missing_source_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, str(tmp_path / "nope"))
    assert code == 2
    assert "not a directory" in err


@pytest.mark.parametrize(
    ("text", "expected"),
    [("100", 100), ("10k", 10240), ("1.5M", 1572864), ("2G", 2 << 30), ("3KiB", 3072), ("7b", 7)],
)
def test_parse_size(text: str, expected: int) -> None:
    assert parse_size(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90", 90.0),
        ("500ms", 0.5),
        ("15m", 900.0),
        ("2h", 7200.0),
        ("3d", 259200.0),
        ("1w", 604800.0),
        ("1M", 2592000.0),
    ],
)
def test_parse_age(text: str, expected: float) -> None:
    assert parse_age(text) == expected


def test_bad_size_is_rejected_by_argparse(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["select", str(tree), "--min-size", "lots"])
    assert info.value.code == 2
    assert "invalid size" in capsys.readouterr().err
