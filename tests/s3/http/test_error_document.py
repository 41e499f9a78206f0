"""The error document (:func:`cargobay.s3.http.errors.error_body`) parses with any XML 1.0 parser,
whatever key or message it names: a client must always be able to read the Code."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from cargobay.s3.errors import NoSuchKey
from cargobay.s3.http.errors import error_body
from cargobay.s3.http.xml import well_formed, xml10_unsafe


def test_error_document_with_control_character_key_parses_and_keeps_the_code() -> None:
    body = error_body(NoSuchKey(Key="a\x01b\rc\nd\x85e"), resource="/b/a%01b", request_id="R")
    root = ET.fromstring(body)
    assert root.findtext("Code") == "NoSuchKey"
    # what XML 1.0 carries comes back exactly (CR as &#13;); what it cannot is U+FFFD
    assert root.findtext("Key") == "a\ufffdb\rc\nd\x85e"


@given(st.text())
def test_error_document_always_parses(text: str) -> None:
    text = text.encode("utf-8", "replace").decode("utf-8")  # keys are strict UTF-8: no lone surrogates
    root = ET.fromstring(error_body(NoSuchKey(text, Key=text), resource="/b/k", request_id="R"))
    assert root.findtext("Code") == "NoSuchKey"
    assert root.findtext("Key") == well_formed(text)
    assert not xml10_unsafe(root.findtext("Key") or "")
