"""Which headers of a GetObject/HeadObject answer the caller may read: some tell what another
permission guards (the tag count, the Object Lock state), so a reader allowed only GetObject, such as
anyone reading a public-read object, gets the object without them.

References: https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html,
https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html
"""

from __future__ import annotations

from cargobay.s3.http.access import permits
from cargobay.s3.http.context import RequestContext

# Headers of GET/HEAD told only to a caller allowed to read what they say, and the action that
# allows it (current object, version named by id): API_GetObject.html x-amz-tagging-count, "when you
# have the relevant permission to read object tags"; API_HeadObject.html, the lock headers "only
# returned if the requester has the s3:GetObjectRetention (s3:GetObjectLegalHold) permission".
GATED_HEADERS = (
    (("x-amz-tagging-count",), "s3:GetObjectTagging", "s3:GetObjectVersionTagging"),
    (("x-amz-object-lock-mode", "x-amz-object-lock-retain-until-date"), "s3:GetObjectRetention", None),
    (("x-amz-object-lock-legal-hold",), "s3:GetObjectLegalHold", None),
)


_ANY_GATED = frozenset(name for names, _, _ in GATED_HEADERS for name in names)


def has_gated(headers: dict[str, str]) -> bool:
    """Whether the answer holds a gated header at all: the read path's way past
    :func:`drop_unreadable` without a coroutine (most objects have no tags and no lock; 0.1 µs)."""
    return not _ANY_GATED.isdisjoint(headers)


async def drop_unreadable(ctx: RequestContext, version: str | None, headers: dict[str, str]) -> None:
    """Remove the gated headers the caller may not read (a public-read object's ACL grants GetObject
    only). The owner of a plain bucket is decided without I/O."""
    for names, action, version_action in GATED_HEADERS:
        if not any(name in headers for name in names):
            continue
        if not await permits(ctx, version_action if version is not None and version_action else action):
            for name in names:
                headers.pop(name, None)
