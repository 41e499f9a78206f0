"""CompleteMultipartUpload: the listed parts become the object at the upload's key.

A mixin of :class:`~cargobay.s3.store.multipart.Multipart` (the attributes below are its own).
Completion holds the upload's lock from the first check to the last cleanup step:

1. the requested parts are checked against the rows (InvalidPartOrder, InvalidPart,
   EntityTooSmall) and every part file is opened;
2. if the upload's assembly file (:mod:`.preassembly`: parts written in place, or copied to their
   offsets as they were recorded) holds exactly the chosen parts, it is renamed from the staging
   directory onto the key (step 4); otherwise the parts are concatenated (each read from where
   its row says) into a temp file *in the destination directory* with ``os.copy_file_range``
   (falling back to ``sendfile``, then a read/write loop), so no byte passes through Python
   memory and the kernel may share extents instead of copying;
3. the ETag is ``md5(concat(binary part md5s))-N`` (:func:`cargobay.s3.etag.multipart_etag`) and
   the checksum, if the upload has one, is COMPOSITE (``hash(concat(part checksums))-N``) or
   FULL_OBJECT (the part CRCs combined into the CRC of the whole, no re-read);
4. the temp file is published by :meth:`ObjectStore.publish`, the one publish path: the same
   per-key lock, the same write order (data rename, then metadata row) as a PUT;
5. the upload row and its staging directory are removed (the directory by a background thread
   after a head-start completion: freeing 256 MiB of part blocks need not delay the answer).

A crash after 4 and before 5 leaves the upload listed; completing it again publishes the same
bytes, or, when the assembly file was what step 4 renamed, finds the object at the key carrying
this completion's ETag and answers with it.

This module knows nothing of HTTP.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence

from cargobay._cleanup import abort_after, abort_quietly
from cargobay.s3.errors import InvalidPart, InvalidRequest, MalformedXML, NoSuchUpload, S3Error
from cargobay.s3.etag import multipart_etag
from cargobay.s3.store.base import ObjectInfo, StoreConfig
from cargobay.s3.store.completions import CompletionLog
from cargobay.s3.store.keyspace import KeySpace
from cargobay.s3.store.metadb import MetaDB, PartRow, UploadRow
from cargobay.s3.store.oserrors import translate_os_errors
from cargobay.s3.store.parts import CompletedPart, chosen_parts, completed_meta, concatenate, open_parts
from cargobay.s3.store.pending import ObjectAccess, Precondition
from cargobay.s3.store.preassembly import Assemblies, PreAssembly, TargetIsInternal


class UploadCompletion:
    """Completion of an upload (mixed into Multipart)."""

    db: MetaDB
    space: KeySpace
    config: StoreConfig
    objects: ObjectAccess
    completions: CompletionLog
    _assemblies: Assemblies
    _lock: Callable[[str], threading.RLock]
    _staging: Callable[[str], str]
    _require: Callable[[str, str, str], UploadRow]
    _drop: Callable[..., None]
    _remove_staging: Callable[..., None]
    _cut_off: Callable[[UploadRow, Sequence[PartRow]], ObjectInfo | None]

    def complete(
        self,
        bucket: str,
        key: str,
        upload_id: str,
        parts: Sequence[CompletedPart],
        *,
        precondition: Precondition | None = None,
        full_object_checksum: str | None = None,
        min_part_size: int | None = None,
        object_size: int | None = None,
    ) -> ObjectInfo:
        """Assemble the listed parts into the object at ``key`` (see the module docstring).
        ``object_size`` (x-amz-mp-object-size) must be the sum of the chosen parts, else InvalidRequest.

        ``full_object_checksum`` is an x-amz-checksum-<alg> value sent with the request: the whole
        object's for a FULL_OBJECT upload, the composite (with or without its ``-N``) for a COMPOSITE
        one; a mismatch is BadDigest and nothing is published."""
        minimum = self.config.min_part_size if min_part_size is None else min_part_size
        if not parts:
            raise MalformedXML()  # AWS: a completion must name at least one part
        with self._lock(upload_id):
            try:
                upload = self._require(bucket, key, upload_id)
            except NoSuchUpload:
                answered = self.answered(bucket, key, upload_id)
                if answered is None:
                    raise
                return answered  # a retry of a completion that succeeded (completions.py)
            chosen = chosen_parts(upload, parts, self.db.parts(upload.upload_id), minimum)
            if object_size is not None and object_size != sum(row.size for row in chosen):
                raise InvalidRequest(
                    f"The provided 'x-amz-mp-object-size' header value {object_size} does not "
                    f"match what was computed: {sum(row.size for row in chosen)}"
                )
            etag = multipart_etag(row.etag for row in chosen)
            assembly = self._assemblies.get(upload_id)  # stays the upload's until it is forgotten
            if assembly is not None:
                done = self._publish_assembled(upload, chosen, assembly, etag, full_object_checksum, precondition)
                if done is not None:
                    return done
            staging = self._staging(upload_id)
            with translate_os_errors():
                fds, missing = open_parts(staging, chosen)
            try:
                if missing is None:
                    meta = completed_meta(upload, chosen, full_object_checksum)
                    temp = self.space.open_temp(bucket, key)
                    try:
                        with translate_os_errors():
                            concatenate(fds, chosen, temp.fd, durable=self.config.durable)
                    except BaseException as exc:
                        abort_after(exc, temp.abort)
                        raise
            finally:
                for fd in fds:
                    os.close(fd)
            if missing is not None:
                published = self._cut_off(upload, self.db.parts(upload_id))  # retried after a crash?
                if published is None:
                    raise InvalidPart(PartNumber=str(missing.part_number), ETag=missing.etag)
                info = published
            else:
                info = self.objects.publish(bucket, key, temp, etag, meta, precondition=precondition)
            self.completions.record(upload_id, info)
            self._drop(upload_id)
        return info

    def _publish_assembled(
        self,
        upload: UploadRow,
        chosen: list[PartRow],
        assembly: PreAssembly,
        etag: str,
        sent: str | None,
        precondition: Precondition | None,
    ) -> ObjectInfo | None:
        """Publish the upload's assembly file if it holds exactly the chosen parts; None if it
        does not (the caller concatenates). Call under the upload's lock. A publish that fails
        (a precondition, say) gives the file back to the upload as it was."""
        bucket, key = upload.bucket, upload.key
        meta = completed_meta(upload, chosen, sent)
        # A temp file beside the key: its final path is where the assembly file goes, and while
        # it exists no concurrent delete can prune the key's directory from under the rename.
        placeholder = self.space.open_temp(bucket, key)
        try:
            if self.space.layout.in_internal_area(placeholder.final_path):
                return None  # never renamed into the internal area (preassembly.py)
            assembled = assembly.lend(chosen, placeholder.final_path)
            if assembled is None:
                return None
            if self.config.durable:
                # Before the key's lock, as publish does for every PUT; publish is told so and
                # does not sync it again (under the lock re-entered below). Durable before the
                # rename that names it: the regions written in place were synced as their parts
                # were recorded, but the parts copied in from their own files were not.
                self.space.sync_data(assembled)
            # The upload ends under the key's lock (re-entered by publish): no later write to the
            # key can come between the object and the end of the upload, so after a crash the key
            # still shows which upload its object completed (see upkeep.py).
            with self.space.lock(bucket, key):
                try:
                    info = self.objects.publish(
                        bucket, key, assembled, etag, meta, precondition=precondition, synced=True
                    )
                except TargetIsInternal:
                    assembled.abort()  # given back, still in the staging directory: concatenate from it
                    return None
                except BaseException as exc:
                    abort_after(exc, assembled.abort)  # given back; the parts stay readable where their rows say
                    raise
                self.db.delete_upload(upload.upload_id)
        except BaseException as exc:
            abort_after(exc, placeholder.abort)
            raise
        finally:
            # On success too (it only held the name); after a failure it already ran. The object
            # is published by now: a failing clean-up must not fail the completion (a retry would
            # find no upload), so it is logged, and the sweep removes the temp file it left.
            abort_quietly(placeholder.abort)
        self.completions.record(upload.upload_id, info)
        self._remove_staging(upload.upload_id, later=True)
        return info

    def answered(self, bucket: str, key: str, upload_id: str) -> ObjectInfo | None:
        """What a finished completion of ``upload_id`` answered, if the object it wrote is current."""
        done = self.completions.find(upload_id, bucket, key)
        if done is None:
            return None
        try:
            current = self.objects.head(bucket, key)
        except S3Error:
            return None
        return done if current.etag == done.etag else None
