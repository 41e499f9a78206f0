"""The CPU meter of the benchmarks (bench/_proc.py): whole thread group, ns resolution, children summed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from cargobay.bench._proc import ProcessMeter, process_clock_ns

_BUSY_THREADS = """
import sys, threading, time
def spin():
    end = time.thread_time() + 0.15
    while time.thread_time() < end:
        pass
ts = [threading.Thread(target=spin) for _ in range(3)]
for t in ts: t.start()
for t in ts: t.join()
sys.stdout.write("done\\n"); sys.stdout.flush()
time.sleep(30)
"""


def _wait_done(proc: subprocess.Popen[str]) -> None:
    assert proc.stdout is not None
    assert proc.stdout.readline() == "done\n"


def test_counts_exited_threads_at_sub_tick_resolution() -> None:
    proc = subprocess.Popen([sys.executable, "-c", _BUSY_THREADS], stdout=subprocess.PIPE, text=True)
    try:
        _wait_done(proc)
        ns = process_clock_ns(proc.pid)
        assert ns is not None
        meter = ProcessMeter(proc.pid)
        assert meter.cpu_ns() >= ns
        # three threads that each spun 0.15 s of their own CPU and then exited
        assert ns >= 3 * 150_000_000
        # /proc/PID/schedstat alone would show only the idle main thread
        with open(f"/proc/{proc.pid}/schedstat") as fh:
            leader_only = int(fh.read().split()[0])
        assert leader_only < ns / 2
        # resolution finer than the 10 ms tick: two readings of a sleeping process differ by < 1 ms, not 0 or 10 ms
        assert ns % 10_000_000 != 0
    finally:
        proc.kill()
        proc.wait()
        assert proc.stdout is not None
        proc.stdout.close()


def test_meter_sums_children_and_gone_process_reads_none() -> None:
    parent_code = (
        "import subprocess, sys; "
        f"c = subprocess.Popen([sys.executable, '-c', {_BUSY_THREADS!r}], stdout=sys.stdout); "
        "c.wait()"
    )
    proc = subprocess.Popen([sys.executable, "-c", parent_code], stdout=subprocess.PIPE, text=True)
    try:
        _wait_done(proc)
        own = process_clock_ns(proc.pid)
        tree = ProcessMeter(proc.pid).cpu_ns()
        assert own is not None
        assert tree - own >= 3 * 150_000_000
    finally:
        with open(f"/proc/{proc.pid}/task/{proc.pid}/children") as fh:
            children = [int(c) for c in fh.read().split()]
        for child in children:
            os.kill(child, signal.SIGKILL)
        proc.kill()
        proc.wait()
        assert proc.stdout is not None
        proc.stdout.close()
    time.sleep(0.05)
    assert process_clock_ns(proc.pid) is None


_ANSWERS_THEN_WORKS = """
import threading, time
def burn():
    start = time.thread_time()
    while time.thread_time() - start < 0.3:
        pass
worker = threading.Thread(target=burn)
worker.start()
print("answered", flush=True)
worker.join()
time.sleep(60)
"""


def test_cpu_when_quiet_counts_the_work_left_after_the_answer() -> None:
    proc = subprocess.Popen([sys.executable, "-c", _ANSWERS_THEN_WORKS], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline() == "answered\n"
        meter = ProcessMeter(proc.pid)
        at_answer = meter.cpu_ns()
        when_quiet = meter.cpu_ns_when_quiet()
        # the 0.3 s the background thread spins after the answer, less what it did before the read
        assert when_quiet - at_answer >= 150_000_000
        # once quiet, the reading stays: the sleeping process adds nothing
        again = meter.cpu_ns_when_quiet()
        assert again - when_quiet < 20_000_000
    finally:
        proc.kill()
        proc.wait()
        assert proc.stdout is not None
        proc.stdout.close()
