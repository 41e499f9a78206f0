"""Example tests of rule sources: line formats and errors that name file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from cargobay.errors import RuleSyntaxError, UsageError
from cargobay.select import RuleAction, build_selection
from cargobay.select.rules import CLEAR, parse_filter_lines, parse_ignore_lines, parse_pattern_lines


def test_filter_lines_parse_signs_comments_and_clear() -> None:
    items = parse_filter_lines(["# c", "; c", "", "+ *.py", "- tmp/", "!", "- x"], source="f")
    assert [str(i) if i is not CLEAR else "!" for i in items] == ["+ *.py", "- tmp/", "!", "- x"]


@pytest.mark.parametrize("line", ["*.py", "+*.py", "+  ", "-", "x y", "! x"])
def test_filter_lines_reject_unknown_syntax_with_line_number(line: str) -> None:
    with pytest.raises(RuleSyntaxError) as info:
        parse_filter_lines(["+ ok", line], source="rules.txt")
    assert info.value.source == "rules.txt"
    assert info.value.line == 2
    assert str(info.value).startswith("rules.txt:2: ")


def test_bad_pattern_in_exclude_from_file_names_file_and_line(tmp_path: Path) -> None:
    f = tmp_path / "ex.txt"
    f.write_text("*.tmp\n# comment\n\nbad[\n")
    with pytest.raises(RuleSyntaxError, match=r"ex\.txt:4: unclosed"):
        build_selection(exclude_from=[str(f)])


def test_negation_outside_ignore_files_is_an_error() -> None:
    with pytest.raises(RuleSyntaxError, match="only allowed in ignore files"):
        build_selection(exclude=["!keep"])
    with pytest.raises(RuleSyntaxError, match=r"<arguments>"):
        build_selection(include=["a//b"])


def test_ignore_lines_map_negation_to_include() -> None:
    rules = parse_ignore_lines(["#c", "*.log", "!keep.log", "", "\\#x"], source=".cargobayignore")
    assert [(r.action, r.pattern.text, r.line) for r in rules] == [
        (RuleAction.EXCLUDE, "*.log", 2),
        (RuleAction.INCLUDE, "!keep.log", 3),
        (RuleAction.EXCLUDE, "\\#x", 5),
    ]


def test_pattern_lines_skip_comments_and_keep_order() -> None:
    rules = parse_pattern_lines(["a", "#b", ";c", "d/"], action=RuleAction.INCLUDE, source="s")
    assert [r.pattern.text for r in rules] == ["a", "d/"]
    assert {r.action for r in rules} == {RuleAction.INCLUDE}


def test_missing_rule_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot read rule file"):
        build_selection(filter_from=[str(tmp_path / "nope")])


def test_unknown_group_lists_known_groups() -> None:
    with pytest.raises(UsageError, match="temporary"):
        build_selection(exclude_groups=["nope"])
