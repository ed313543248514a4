"""The blob stores: content-addressed keys, durable writes, checksums verified on read."""

from __future__ import annotations

import io
import uuid
from pathlib import Path
from typing import Any

import pytest

from intake.store.blobs import BlobCorrupted, BlobNotFound, LocalBlobStore, MinioBlobStore, blob_key


def _check_store(store: Any) -> None:
    data = b"%PDF-1.7 not really" * 100
    key = store.put(data, "application/pdf")
    assert key == blob_key(data) and len(key) == 64
    assert store.put(data) == key  # the same bytes, the same key, stored once
    assert store.exists(key) and store.get(key) == data
    missing = blob_key(b"never stored")
    assert not store.exists(missing)
    with pytest.raises(BlobNotFound):
        store.get(missing)
    for bad in ("../../etc/passwd", "ab", key.upper()):
        assert not store.exists(bad)
        with pytest.raises(BlobNotFound):
            store.get(bad)


def test_local_store(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    _check_store(store)
    key = store.put(b"page image")
    path = tmp_path / "blobs" / key[:2] / key
    assert path.read_bytes() == b"page image"
    assert not list((tmp_path / "blobs").rglob(".tmp-*"))  # no temporary left behind
    path.write_bytes(b"page imagf")  # the disk flipped a bit
    with pytest.raises(BlobCorrupted):
        store.get(key)


def test_minio_store_on_an_s3_server(s3_server: dict[str, str]) -> None:
    bucket = f"intake-{uuid.uuid4().hex[:8]}"
    store = MinioBlobStore(
        s3_server["endpoint"], s3_server["access_key"], s3_server["secret_key"], bucket, secure=False
    )
    assert store.client.bucket_exists(bucket)  # created when absent
    MinioBlobStore(s3_server["endpoint"], s3_server["access_key"], s3_server["secret_key"], bucket, secure=False)
    _check_store(store)
    key = store.put(b"original upload")
    # Someone overwrites the object behind the service's back: the read notices.
    store.client.put_object(bucket, store._name(key), io.BytesIO(b"something else"), 14)
    with pytest.raises(BlobCorrupted):
        store.get(key)
