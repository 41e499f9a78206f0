"""One ratio convention in every benchmark report, and --check's exit status."""

from __future__ import annotations

import pytest

from cargobay.bench._output import Speedup, finish_targets, speed_words
from cargobay.bench.s3_report import missed_targets


@pytest.mark.parametrize(
    ("speedup", "words"),
    [
        (2.13, "2.1× faster"),
        (1 / 2.13, "2.1× slower"),
        (1.0, "as fast"),
        (0.7, "1.43× slower"),
        (1 / 1.04, "1.04× slower"),
        (1.96, "1.96× faster"),
        (12.4, "12× faster"),
    ],
)
def test_speed_words(speedup: float, words: str) -> None:
    assert speed_words(speedup) == words


def test_describe_names_direction_and_target() -> None:
    bar = Speedup("20 files of 4 MiB [after-delete]", "cp -a", 1 / 2.13, 2.0)
    assert bar.missed
    assert bar.describe() == "cargobay 2.1× slower than cp -a on 20 files of 4 MiB [after-delete] (target: 2.0× faster)"
    assert not Speedup("c", "p", 3.0, 2.0).missed and not Speedup("c", "p", 0.1).missed


def test_check_turns_a_miss_into_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert finish_targets([], check=True) == 0
    assert finish_targets(["x"], check=False) == 0
    assert "informational" in capsys.readouterr().out
    assert finish_targets(["x"], check=True) == 1
    assert "targets MISSED: 1: x" in capsys.readouterr().out


def test_s3_missed_targets_lists_ratio_and_rss_misses() -> None:
    report = {
        "results": [
            {
                "label": "PUT small",
                "targets": {
                    "cargobay": [
                        {"want": "at least 2.0× faster than the best peer", "met": False},
                        {"want": "< 5 ms", "met": None},
                    ]
                },
            }
        ],
        "peak_rss_target": {"cargobay": {"want": "< 100 MiB in every workload", "met": True}},
    }
    assert missed_targets(report) == ["cargobay: PUT small: at least 2.0× faster than the best peer"]
