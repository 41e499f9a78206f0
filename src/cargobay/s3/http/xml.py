"""S3 XML: parsing untrusted request bodies (defusedxml) and rendering responses.

Parsing goes through defusedxml, which refuses entity declarations and external entities, so a
hostile body cannot expand or read files. Rendering builds strings with explicit escaping; no
regex touches XML. Characters XML 1.0 cannot carry (control characters in keys) are written as
numeric character references, as AWS does; clients that care ask for ``encoding-type=url``.
An error document must parse everywhere (the client reads its Code), so there such characters are
replaced by U+FFFD instead (:func:`well_formed`): the key in an error is a courtesy, the code is not.
"""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from urllib.parse import quote

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from cargobay.s3.errors import MalformedXML

S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/"
DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'

# One translation table: the five XML specials, CR (kept through attribute/line normalisation),
# and the control characters XML 1.0 cannot carry, as numeric character references (as AWS does).
_ESCAPES: dict[int, str] = {
    ord("&"): "&amp;",
    ord("<"): "&lt;",
    ord(">"): "&gt;",
    ord('"'): "&quot;",
    ord("'"): "&apos;",
}
_ESCAPES.update({code: f"&#{code};" for code in range(0x20) if chr(code) not in "\t\n"})


# Finds a character the table above rewrites (a search, not XML parsing): most text has none, and
# a translate() call looks every character up in the table, which dominates a 1,000-key listing.
_SPECIAL = re.compile("[&<>\"'\x00-\x08\x0b-\x1f]")


def escape(text: str) -> str:
    return text.translate(_ESCAPES) if _SPECIAL.search(text) else text


# What XML 1.0 cannot carry at all, raw or as a reference: its Char production leaves out the C0
# controls but TAB, LF and CR, the surrogates and U+FFFE/U+FFFF. Keys are strict UTF-8, but a header
# holding bytes that are not (read with surrogateescape) reaches an error document: the canonical
# request a SignatureDoesNotMatch echoes, an ArgumentValue.
_NOT_XML10 = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml10_unsafe(text: str) -> bool:
    """True when ``text`` holds a character no XML 1.0 parser accepts (even as ``&#N;``)."""
    return _NOT_XML10.search(text) is not None


def well_formed(text: str) -> str:
    """``text`` with every character XML 1.0 cannot carry replaced by U+FFFD."""
    return _NOT_XML10.sub("\ufffd", text)


# Text that URL-encoding leaves unchanged (``quote(text, safe="/~")``): most keys. Matching it is
# a fifth of the cost of quote(), which dominated rendering a 1,000-key URL-encoded listing.
_URL_SAFE = re.compile("[A-Za-z0-9_.~/-]*")


def encode_key(text: str, url: bool) -> str:
    """A key or prefix for a listing body: URL-encoded when the client asked, XML-escaped always.

    URL-encoded text is only ``A-Za-z0-9_.-~/%`` and needs no XML escaping."""
    if url:
        return text if _URL_SAFE.fullmatch(text) else quote(text, safe="/~")
    return escape(text)


def escape_all(texts: list[str]) -> list[str]:
    """:func:`escape` of each text; one search over all of them first (a page's ETags or keys
    usually hold nothing to escape, and one search over their concatenation costs far less
    than a search per text)."""
    if _SPECIAL.search("".join(texts)) is None:
        return texts
    return [escape(t) for t in texts]


def encode_keys(texts: list[str], url: bool) -> list[str]:
    """:func:`encode_key` of each text, with one check over all of them first (see
    :func:`escape_all`; the URL-safe pattern is per character, so the concatenation is safe
    exactly when every text is)."""
    if not url:
        return escape_all(texts)
    if _URL_SAFE.fullmatch("".join(texts)):
        return texts
    return [encode_key(t, True) for t in texts]


def iso8601(ns: int) -> str:
    """S3's listing timestamp: ``2024-01-31T12:00:00.000Z``."""
    seconds, rest = divmod(ns, 1_000_000_000)
    return _iso_seconds(seconds) + _MILLIS[rest // 1_000_000]


_MILLIS = tuple(f".{ms:03d}Z" for ms in range(1000))  # the fraction, formatted once


def _iso_seconds(seconds: int) -> str:
    """``2024-01-31T12:00:00`` of a Unix time; the last few are cached (a listing's files were
    mostly written within a few seconds of each other)."""
    cached = _ISO_CACHE.get(seconds)
    if cached is None:
        cached = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
        if len(_ISO_CACHE) >= 4096:
            _ISO_CACHE.clear()
        _ISO_CACHE[seconds] = cached
    return cached


_ISO_CACHE: dict[int, str] = {}


def element(name: str, value: str | int | bool | None) -> str:
    """``<name>value</name>`` with escaping; None renders nothing."""
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int):
        text = str(value)
    else:
        text = escape(value)
    return f"<{name}>{text}</{name}>"


def document(root: str, children: Iterable[str], *, namespace: bool = True) -> bytes:
    ns = f' xmlns="{S3_NS}"' if namespace else ""
    return (DECLARATION + f"<{root}{ns}>" + "".join(children) + f"</{root}>").encode("utf-8")


# -- parsing -----------------------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse(body: bytes) -> ET.Element:
    """Parse an untrusted XML body; anything malformed or hostile is MalformedXML."""
    if not body.strip():
        raise MalformedXML()
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ET.ParseError, DefusedXmlException, ValueError):
        raise MalformedXML() from None
    return root


def children(node: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in node if _local(child.tag) == name]


def child_text(node: ET.Element, name: str) -> str | None:
    for child in node:
        if _local(child.tag) == name:
            return child.text or ""
    return None


def only_text(node: ET.Element, name: str) -> str | None:
    """The text of ``node``'s ``name`` child, None when it has none; 400 MalformedXML when it has two
    or more of an element the schema allows once (taking the first would act on half a document)."""
    found = children(node, name)
    if len(found) > 1:
        raise MalformedXML()
    return (found[0].text or "") if found else None


def known_children(node: ET.Element, names: frozenset[str]) -> None:
    """400 MalformedXML when ``node`` has a child the schema does not name there (``names``): a
    document holding one does not validate, and acting on the rest would do what was not asked."""
    if any(_local(child.tag) not in names for child in node):
        raise MalformedXML()


def local_name(node: ET.Element) -> str:
    return _local(node.tag)
