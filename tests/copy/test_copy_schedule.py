"""The work queue runs every task exactly once, batches before directories, and stops on the first error."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cargobay.copy.model import Op, PlanStep
from cargobay.copy.schedule import Batch, WorkQueue


@given(fanout=st.lists(st.integers(0, 4), min_size=1, max_size=30))
def test_every_task_pushed_before_or_during_the_run_runs_once(fanout: list[int]) -> None:
    # Directory i pushes fanout[i] batches and the next directory: tasks appear while the run goes on.
    queue = WorkQueue()
    seen: list[int | tuple[str, str]] = []

    def run_dir(i: object) -> None:
        assert isinstance(i, int)  # the queue hands back what was pushed
        # A directory is opened only when no batch waits (memory bounded by one directory).
        assert len(seen) - sum(isinstance(x, int) for x in seen) == sum(fanout[:i])
        seen.append(i)
        for k in range(fanout[i]):
            queue.push_batch(f"d{i}", [PlanStep(Op.COPY, f"f{k}", "new")])
        if i + 1 < len(fanout):
            queue.push_dir(i + 1)

    def run_batch(b: Batch) -> None:
        seen.extend((b.rel_dir, a.name) for a in b.actions)

    queue.push_dir(0)
    queue.run(run_dir, run_batch)
    dirs = [x for x in seen if isinstance(x, int)]
    files = [x for x in seen if not isinstance(x, int)]
    assert sorted(dirs) == list(range(len(fanout)))
    assert sorted(files) == sorted((f"d{i}", f"f{k}") for i, n in enumerate(fanout) for k in range(n))


def test_the_first_error_stops_the_run_and_is_raised() -> None:
    queue = WorkQueue()
    ran: list[int] = []

    def run_dir(i: object) -> None:
        assert isinstance(i, int)
        ran.append(i)
        if i == 2:
            raise KeyboardInterrupt
        queue.push_dir(i + 1)

    queue.push_dir(0)
    with pytest.raises(KeyboardInterrupt):
        queue.run(run_dir, lambda b: None)
    assert queue.stopped
    assert ran == [0, 1, 2]
