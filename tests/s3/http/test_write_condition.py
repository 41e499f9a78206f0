"""WriteCondition: a conditional write's decision at arrival (412) and at publish (409 when a
concurrent write won in between)."""

from __future__ import annotations

import pytest

from cargobay.s3.errors import ConditionalRequestConflict, NoSuchKey, PreconditionFailed
from cargobay.s3.http.objects import WriteCondition


def test_if_none_match_star_fails_with_412_when_the_object_was_there_from_the_start() -> None:
    condition = WriteCondition({"if-none-match": "*"}, "k")
    with pytest.raises(PreconditionFailed):
        condition("abc")


def test_if_none_match_star_that_held_early_is_409_when_a_write_won_meanwhile() -> None:
    condition = WriteCondition({"if-none-match": "*"}, "k")
    condition(None)  # held: nothing there
    condition.held_early = True
    with pytest.raises(ConditionalRequestConflict):
        condition("abc")


def test_if_match_that_held_early_is_409_when_the_object_changed_or_went_away() -> None:
    condition = WriteCondition({"if-match": '"abc"'}, "k")
    condition("abc")
    condition.held_early = True
    with pytest.raises(ConditionalRequestConflict):
        condition("def")
    with pytest.raises(ConditionalRequestConflict):
        condition(None)


def test_if_match_on_a_missing_key_is_no_such_key() -> None:
    with pytest.raises(NoSuchKey):
        WriteCondition({"if-match": '"abc"'}, "k")(None)
