"""Reading listing documents (ListObjects, ListObjectsV2, ListObjectVersions) in the conformance
tests: element names without their namespace, the texts directly under the root, and the keys and
common prefixes listed. One copy, imported by the listing test modules."""

from __future__ import annotations

import xml.etree.ElementTree as ET

__all__ = ["common_prefixes", "entry_keys", "local_name", "top_texts"]


def local_name(tag: str) -> str:
    """``{namespace}Name`` → ``Name`` (S3 documents carry the S3 namespace; some servers none)."""
    return tag.rsplit("}", 1)[-1]


def top_texts(root: ET.Element, element: str) -> list[str]:
    """The texts of ``element`` directly under the document's root."""
    return [node.text or "" for node in root if local_name(node.tag) == element]


def entry_keys(root: ET.Element) -> list[str]:
    """The Key of each listed object, version or delete marker, in document order."""
    return [
        child.text or ""
        for node in root
        if local_name(node.tag) in ("Contents", "Version", "DeleteMarker")
        for child in node
        if local_name(child.tag) == "Key"
    ]


def common_prefixes(root: ET.Element) -> list[str]:
    """The Prefix of each CommonPrefixes entry, in document order."""
    return [node.text or "" for node in root.iterfind("{*}CommonPrefixes/{*}Prefix")]
