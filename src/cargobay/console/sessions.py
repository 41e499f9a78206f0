"""Console sessions: who is signed in, their CSRF token, idle expiry, and the cookie's signing key.

A session is kept in memory (a restart signs everyone out) and named by a random id; the cookie
carries ``<id>.<HMAC-SHA256(key, id)>`` so a forged or altered cookie is refused before any
lookup. The key is 32 random bytes in ``<data dir>/.cargobay/console.key`` (mode 0600), made on
first use and kept across restarts. Each session holds the user's access key (the server signs
S3 requests with that key's secret for the browser, so every action goes through the S3 API's
own authorisation), a CSRF token that every state-changing console call must echo in the
``X-CSRF-Token`` header, and the time of its last use: a session idle longer than the timeout is
gone, and logout removes it at once.
"""

from __future__ import annotations

import hmac
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Session", "SessionStore", "load_key"]

KEY_FILE = "console.key"
STATE_DIR = ".cargobay"  # the data directory's own area (s3/store/layout.py: never a bucket)


def load_key(data_dir: str) -> bytes:
    """The signing key in ``<data_dir>/.cargobay/console.key`` (created 0600 when missing)."""
    state_dir = os.path.join(data_dir, STATE_DIR)
    os.makedirs(state_dir, exist_ok=True)
    path = os.path.join(state_dir, KEY_FILE)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        with open(path, "rb") as f:
            key = f.read()
        if len(key) >= 32:
            if os.stat(path).st_mode & 0o077:
                os.chmod(path, 0o600)
            return key
        os.unlink(path)  # truncated by a crash: make a new one (sessions were in memory anyway)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    key = secrets.token_bytes(32)
    try:
        os.write(fd, key)
        os.fsync(fd)
    finally:
        os.close(fd)
    return key


@dataclass
class Session:
    sid: str
    access_key: str | None  # None when the server runs without authentication
    user: str
    csrf: str
    last_seen: float


class SessionStore:
    """The signed-in sessions of one server."""

    def __init__(self, key: bytes, *, idle_timeout: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._key = key
        self._sessions: dict[str, Session] = {}
        self.idle_timeout = idle_timeout
        self.clock = clock

    def _mac(self, sid: str) -> str:
        return hmac.new(self._key, sid.encode("ascii"), "sha256").hexdigest()

    def create(self, access_key: str | None, user: str) -> tuple[Session, str]:
        """A new session and its cookie value."""
        self._expire()
        sid = secrets.token_urlsafe(32)
        session = Session(sid, access_key, user, secrets.token_urlsafe(32), self.clock())
        self._sessions[sid] = session
        return session, f"{sid}.{self._mac(sid)}"

    def lookup(self, cookie: str | None) -> Session | None:
        """The live session a cookie names (its last use is now), or None."""
        if not cookie or "." not in cookie:
            return None
        sid, mac = cookie.rsplit(".", 1)
        if not hmac.compare_digest(mac, self._mac(sid)):
            return None
        session = self._sessions.get(sid)
        if session is None:
            return None
        now = self.clock()
        if now - session.last_seen > self.idle_timeout:
            del self._sessions[sid]
            return None
        session.last_seen = now
        return session

    def drop(self, session: Session) -> None:
        self._sessions.pop(session.sid, None)

    def _expire(self) -> None:
        now = self.clock()
        for sid in [s.sid for s in self._sessions.values() if now - s.last_seen > self.idle_timeout]:
            del self._sessions[sid]
