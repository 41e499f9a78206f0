"""ListMultipartUploads over the uploads table: (key, initiation) order, markers, and common prefixes.

One page is read from the metadata DB in batches and grouped by the delimiter here; the rows stay
the truth (nothing is cached). This module knows nothing of HTTP.
"""

from __future__ import annotations

from cargobay.s3.store.metadb import MetaDB
from cargobay.s3.store.parts import UploadInfo, UploadsPage, upload_info


def uploads_page(
    db: MetaDB,
    bucket: str,
    *,
    prefix: str = "",
    delimiter: str = "",
    key_marker: str = "",
    upload_id_marker: str | None = None,
    max_uploads: int = 1000,
) -> UploadsPage:
    """One page of ListMultipartUploads: ``upload_id_marker`` counts only with a ``key_marker``
    (as in AWS); with a delimiter, keys are grouped into common prefixes."""
    if not key_marker:
        upload_id_marker = None
    after_key, after_id = key_marker, upload_id_marker or None
    picked: list[UploadInfo | str] = []
    truncated = False
    batch = max(max_uploads + 1, 100)
    done = max_uploads <= 0
    while not done:
        rows = db.uploads_page(bucket, prefix=prefix, after_key=after_key, after_upload_id=after_id, limit=batch)
        for row in rows:
            item: UploadInfo | str = upload_info(row)
            after_key, after_id = row.key, row.upload_id
            if delimiter:
                cut = row.key.find(delimiter, len(prefix))
                if cut >= 0:
                    group = row.key[: cut + len(delimiter)]
                    if group <= key_marker or (picked and picked[-1] == group):
                        continue
                    item = group
            if len(picked) == max_uploads:
                truncated, done = True, True
                break
            picked.append(item)
        if len(rows) < batch:
            done = True
    uploads = tuple(i for i in picked if isinstance(i, UploadInfo))
    prefixes = tuple(i for i in picked if isinstance(i, str))
    next_key = next_id = None
    if truncated and picked:
        last = picked[-1]
        if isinstance(last, str):
            next_key = last
        else:
            next_key, next_id = last.key, last.upload_id
    return UploadsPage(uploads, prefixes, truncated, next_key, next_id)
