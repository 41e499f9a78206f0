"""Headless Chromium for the suites' page tests: find the browser, serve a page on loopback, and
read the page's DOM once its scripts have run (``--dump-dom``).

Three suites open a page this way (the CORS upload from another origin, the offline asv report,
the conformance HTML report); the browser's lookup and the run with a throwaway profile are
written once here. Each caller adds the flags its page needs (a virtual-time budget for scripts
that wait, host-resolver rules that cut the network). The web console's tests drive Chromium
through Playwright instead, as they click and type.
"""

from __future__ import annotations

import http.server
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

# Flags every page run takes: no window, no sandbox (CI runs as root), no GPU, and none of the
# first-run and background traffic a fresh profile would start.
BASE_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking")


def chromium() -> str | None:
    """The Chromium (or Chrome) executable on PATH, or None (.ci/run installs Debian's chromium)."""
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def dump_dom(url: str, *flags: str, timeout: float) -> subprocess.CompletedProcess[str]:
    """Open ``url`` in headless Chromium with a throwaway profile, ``BASE_FLAGS`` and ``flags``;
    the finished run, whose stdout is the page's DOM (stderr has the browser's own log)."""
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [str(chromium()), *BASE_FLAGS, *flags, f"--user-data-dir={profile}", "--dump-dom", url],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


@contextmanager
def serving(handler: Callable[..., http.server.BaseHTTPRequestHandler]) -> Iterator[int]:
    """Serve ``handler`` on 127.0.0.1 in a thread for the block; the port."""
    web = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=web.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(web.server_address[1])
    finally:
        web.shutdown()
        web.server_close()
