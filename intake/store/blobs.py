"""Content-addressed blob storage: the key of a blob is the sha256 of its bytes.

Because the key is the hash, writing the same bytes twice is harmless (an upload retried after a
crash, or the same page image rendered again), a reader can always check that it got what was
written, and nothing ever needs to be overwritten in place. The local folder is the embedded
default; MinIO (or any S3-compatible server) is the production store behind the same protocol.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

_KEY = re.compile(r"^[0-9a-f]{64}$")


class BlobNotFound(KeyError):
    """No blob under that key."""


class BlobCorrupted(OSError):
    """The stored bytes no longer hash to their key: the store lost or damaged them."""


def blob_key(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _check_key(key: str) -> str:
    # A key is only ever a hex digest; anything else would be a path or object-name injection.
    if not _KEY.match(key):
        raise BlobNotFound(key)
    return key


def _verified(key: str, data: bytes) -> bytes:
    if blob_key(data) != key:
        raise BlobCorrupted(f"blob {key[:12]}… does not match its checksum")
    return data


class BlobStore(Protocol):
    def put(self, data: bytes, content_type: str = "application/octet-stream") -> str:
        """Store the bytes durably and return their key (the sha256 hex digest)."""
        ...

    def get(self, key: str) -> bytes:
        """The bytes under key, checked against it; BlobNotFound or BlobCorrupted otherwise."""
        ...

    def exists(self, key: str) -> bool: ...


class LocalBlobStore:
    """Blobs as files under root/ab/abcdef…, written atomically and fsynced before put returns."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / key

    def put(self, data: bytes, content_type: str = "application/octet-stream") -> str:
        key = blob_key(data)
        path = self._path(key)
        if path.is_file() and path.stat().st_size == len(data):
            return key
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so that a crash never leaves a half-written blob under a valid key.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)  # the rename itself must survive a power cut
        finally:
            os.close(dir_fd)
        return key

    def get(self, key: str) -> bytes:
        try:
            data = self._path(_check_key(key)).read_bytes()
        except FileNotFoundError as exc:
            raise BlobNotFound(key) from exc
        return _verified(key, data)

    def exists(self, key: str) -> bool:
        return bool(_KEY.match(key)) and self._path(key).is_file()


class MinioBlobStore:
    """Blobs as objects in one bucket of MinIO or another S3-compatible server."""

    def __init__(
        self,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        *,
        secure: bool = True,
        region: str | None = None,
        prefix: str = "blobs/",
    ) -> None:
        from minio import Minio

        self.client = Minio(endpoint, access_key=access_key, secret_key=secret_key, secure=secure, region=region)
        self.bucket = bucket
        self.prefix = prefix
        if not self.client.bucket_exists(bucket):
            from minio.error import S3Error

            try:
                self.client.make_bucket(bucket)
            except S3Error as exc:
                # Another process may have created it between the check and the call.
                if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    raise

    def _name(self, key: str) -> str:
        return f"{self.prefix}{key[:2]}/{key}"

    def put(self, data: bytes, content_type: str = "application/octet-stream") -> str:
        key = blob_key(data)
        if self.exists(key):
            return key
        # S3 writes are atomic: the object appears whole when the PUT succeeds, or not at all.
        self.client.put_object(
            self.bucket,
            self._name(key),
            io.BytesIO(data),
            len(data),
            content_type=content_type,
            metadata={"sha256": key},
        )
        return key

    def get(self, key: str) -> bytes:
        from minio.error import S3Error

        name = self._name(_check_key(key))
        try:
            response = self.client.get_object(self.bucket, name)
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject"):
                raise BlobNotFound(key) from exc
            raise
        try:
            data = response.read()
        finally:
            response.close()
            response.release_conn()
        return _verified(key, data)

    def exists(self, key: str) -> bool:
        from minio.error import S3Error

        if not _KEY.match(key):
            return False
        try:
            self.client.stat_object(self.bucket, self._name(key))
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject", "NotFound"):
                return False
            raise
        return True
