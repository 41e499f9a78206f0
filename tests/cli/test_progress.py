"""The progress bar: counts and a spinner until totals are known, then a bar; MiB and MiB/s only."""

from __future__ import annotations

import io
import re

from rich.console import Console

from cargobay.cli._progress import TransferBar

MiB = 1 << 20


def _bar() -> TransferBar:
    console = Console(file=io.StringIO(), force_terminal=True, width=160, color_system=None)
    return TransferBar(True, "sync", console=console)


def test_unknown_total_shows_counts_without_a_percentage_or_eta() -> None:
    with _bar() as bar:
        bar.update(3 * MiB, None, 12, None)
        text = bar.render()
    assert "12 files" in text and "3.0 MiB" in text and "/" not in text.split("files")[1].split("MiB")[0]
    assert "%" not in text


def test_known_totals_show_files_and_bytes_in_one_unit_family() -> None:
    with _bar() as bar:
        bar.update(0, 100 * MiB, 0, 40)
        bar.update(30 * MiB, 100 * MiB, 12, 40)
        text = bar.render()
    assert "12/40 files" in text and "30.0/100.0 MiB" in text and "MiB/s" in text
    assert not re.search(r"\d\s?(MB|KB|GB|kB)\b", text), text  # no decimal units anywhere
