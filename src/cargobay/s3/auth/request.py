"""What authentication reads of a request, and the canonical forms both signature versions build.

This module owns :class:`RequestView` (the HTTP layer's request as authentication sees it) and the
one reading of its query string and path that SigV4, SigV2 and the HTTP layer share. It is pure:
no HTTP framework, no I/O.

* **Query.** A raw ``+`` is form-encoding for a space (as AWS, Go's ``url.Query`` and MinIO read
  it), so it decodes, and canonicalises, as ``%20``; a client that means a literal plus must send
  ``%2B`` (botocore always does). There is deliberately ONE interpretation: accepting a second one
  would let someone on the wire turn a signed ``%2B`` into ``+`` and change the meaning of a
  signed request. :func:`parse_query` applies the same rule, so the HTTP layer can read exactly
  the parameters that were verified. SigV4's canonical query re-encodes each decoded name and
  value (everything but ``A-Za-z0-9-_.~`` as ``%XX``, space as ``%20``) and sorts the pairs.
* **Path.** S3 does not normalise the path (no ``.``/``..`` removal, no ``//`` collapse), so the
  first candidate is the raw path exactly as sent. Clients differ in which characters they
  percent-encode (botocore encodes ``!*'()`` and ``$``; aws-sdk-go leaves some of them raw; some
  send lowercase hex), so the botocore-style re-encoding of the *decoded* path (each byte but
  ``A-Za-z0-9-_.~/`` as ``%XX``) is the second candidate. Both decode to the same key, so
  accepting either never changes what the request means.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote_from_bytes, unquote_to_bytes

from cargobay.s3.errors import InvalidURI

__all__ = [
    "QueryParam",
    "RequestView",
    "canonical_query",
    "canonical_query_string",
    "canonical_uri_candidates",
    "decode_component",
    "hex_dump",
    "param_map",
    "parse_query",
    "reencode_path",
    "split_query",
    "utf8",
]

_UNRESERVED = re.compile(r"[A-Za-z0-9\-_.~]*")
_PATH_UNRESERVED = re.compile(r"[A-Za-z0-9\-_.~/]*")


@dataclass(frozen=True)
class RequestView:
    """What authentication needs of a request, as the HTTP layer received it.

    ``raw_path`` and ``raw_query`` are exactly as on the request line (percent-encoded; the
    query without its ``?``). ``headers`` has lower-cased names, repeated headers joined with
    ``,``. ``host`` is the Host header value including any port. ``vhost_bucket`` is the bucket
    named by a virtual-hosted-style Host (``bucket.s3.example``), which Signature Version 2 puts
    in front of the path; None for path-style requests.
    """

    method: str
    raw_path: str
    raw_query: str
    headers: Mapping[str, str]
    host: str
    vhost_bucket: str | None = None


@dataclass(frozen=True, slots=True)
class QueryParam:
    """One ``name[=value]`` piece of a raw query string, still percent-encoded."""

    raw_name: str
    raw_value: str
    has_equals: bool


def utf8(s: str) -> bytes:
    """The bytes of a header or URL string (lone surrogates from undecodable input kept)."""
    return s.encode("utf-8", "surrogateescape")


def hex_dump(s: str) -> str:
    """``"ab"`` -> ``"61 62"``: the ``*Bytes`` fields of ``SignatureDoesNotMatch``."""
    return " ".join(f"{b:02x}" for b in utf8(s))


def split_query(raw_query: str) -> list[QueryParam]:
    """The pieces of a raw query string in order (empty pieces, as in ``a&&b``, dropped)."""
    params = []
    for piece in raw_query.split("&"):
        if not piece:
            continue
        name, eq, value = piece.partition("=")
        params.append(QueryParam(name, value, bool(eq)))
    return params


def _decode_bytes(raw: str) -> bytes:
    """Percent-decode one query component to bytes, ``+`` meaning space (form encoding)."""
    return unquote_to_bytes(utf8(raw).replace(b"+", b" "))


def decode_component(raw: str) -> str:
    """One query component decoded (``+`` is a space); invalid UTF-8 kept as surrogates."""
    return _decode_bytes(raw).decode("utf-8", "surrogateescape")


def _encode_component(raw: str) -> str:
    """The SigV4 canonical encoding of one raw (as sent) query component."""
    if _UNRESERVED.fullmatch(raw):
        return raw
    return quote_from_bytes(_decode_bytes(raw), safe="~")


def parse_query(raw_query: str) -> list[tuple[str, str]]:
    """Decode a raw query string into (name, value) pairs, in order, as authentication reads it.

    ``+`` is a space; a name without ``=`` has the value ``""``. The HTTP layer should use this
    so that it acts on exactly what the signature covered. Invalid UTF-8 raises ``InvalidURI``.
    """
    out = []
    try:
        for p in split_query(raw_query):
            out.append((_decode_bytes(p.raw_name).decode(), _decode_bytes(p.raw_value).decode()))
    except UnicodeDecodeError:
        raise InvalidURI() from None
    return out


def param_map(params: Sequence[QueryParam]) -> dict[str, str]:
    """First value of each (decoded) parameter name, for the auth parameters."""
    out: dict[str, str] = {}
    for p in params:
        name = decode_component(p.raw_name)
        if name not in out:
            out[name] = decode_component(p.raw_value)
    return out


def canonical_query_string(raw_query: str, *, exclude: frozenset[str] = frozenset()) -> str:
    """The SigV4 canonical query string of a raw query (see the module docstring for ``+``)."""
    return canonical_query(split_query(raw_query), exclude=exclude)


def canonical_query(params: Sequence[QueryParam], *, exclude: frozenset[str] = frozenset()) -> str:
    """The SigV4 canonical query string of split parameters, leaving out the names in ``exclude``."""
    pairs = []
    for p in params:
        name = _encode_component(p.raw_name)
        if exclude and name in exclude:
            continue
        pairs.append((name, _encode_component(p.raw_value)))
    pairs.sort()
    return "&".join(f"{n}={v}" for n, v in pairs)


def reencode_path(raw_path: str) -> str:
    """The botocore-style encoding of the decoded path: each byte but ``A-Za-z0-9-_.~/`` as ``%XX``."""
    return quote_from_bytes(unquote_to_bytes(utf8(raw_path)), safe="/~")


def canonical_uri_candidates(raw_path: str) -> list[str]:
    """Canonical URIs to try, best first: the raw path, then its botocore-style re-encoding."""
    path = raw_path or "/"
    if _PATH_UNRESERVED.fullmatch(path):
        return [path]
    reencoded = reencode_path(path)
    return [path] if reencoded == path else [path, reencoded]
