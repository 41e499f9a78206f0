"""ListBuckets while a bucket is deleted: the listing of names and the reading of each owner are two
steps, and a DeleteBucket between them must not turn the ListBuckets into an error."""

from __future__ import annotations

from typing import Any

import pytest

from cargobay.testing.clients import boto3_client
from cargobay.testing.servers import InProcessServer


def test_list_buckets_leaves_out_a_bucket_deleted_while_it_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    with InProcessServer() as server:
        s3 = boto3_client(server.endpoint)
        s3.create_bucket(Bucket="kept")
        s3.create_bucket(Bucket="gone")
        store = server.running.services.store
        listed = store.list_buckets

        def list_then_lose_one() -> Any:
            names = listed()
            store.delete_bucket("gone")  # a DeleteBucket served between the two steps
            return names

        monkeypatch.setattr(store, "list_buckets", list_then_lose_one)
        answer = s3.list_buckets()
        assert [b["Name"] for b in answer["Buckets"]] == ["kept"]
        assert server.running.services.internal_errors == 0
