"""Content-addressed blob storage: the key of a blob is the sha256 of its bytes.

Because the key is the hash, writing the same bytes twice is harmless (an upload retried after a
crash, or the same page image rendered again), a reader can always check that it got what was
written, and nothing ever needs to be overwritten in place. The local folder is the embedded
default; MinIO (or any S3-compatible server) is the production store behind the same protocol.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol, TypeVar

T = TypeVar("T")

_KEY = re.compile(r"^[0-9a-f]{64}$")


class BlobNotFound(KeyError):
    """No blob under that key."""


class BlobCorrupted(OSError):
    """The stored bytes no longer hash to their key: the store lost or damaged them."""


class StoreUnavailable(OSError):
    """The store cannot be reached or cannot take more bytes now (a network fault, a server error,
    a full disk): worth trying again later, unlike BlobNotFound and BlobCorrupted."""


# errno values of a disk that is full or failing (not of a key that is absent).
_TRANSIENT_ERRNO = {errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EROFS, errno.EAGAIN, errno.ENOMEM}


@contextmanager
def _local_faults() -> Iterator[None]:
    try:
        yield
    except (BlobNotFound, BlobCorrupted):
        raise
    except OSError as exc:
        if exc.errno in _TRANSIENT_ERRNO:
            raise StoreUnavailable(
                f"the blob folder cannot be written ({errno.errorcode.get(exc.errno or 0, '?')})"
            ) from exc
        raise


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

    def ping(self) -> None:
        """Return if the store answers and can take an upload; StoreUnavailable otherwise."""
        ...


class LocalBlobStore:
    """Blobs as files under root/ab/abcdef…, written atomically and fsynced before put returns."""

    def __init__(self, root: Path, min_free_bytes: int = 0) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.min_free_bytes = min_free_bytes

    def ping(self) -> None:
        with _local_faults():
            free = shutil.disk_usage(self.root).free
        if free < self.min_free_bytes:
            raise StoreUnavailable(
                f"the blob folder has {free >> 20} MiB free, under the {self.min_free_bytes >> 20} MiB floor"
            )

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / key

    def put(self, data: bytes, content_type: str = "application/octet-stream") -> str:
        with _local_faults():
            return self._put(data)

    def _put(self, data: bytes) -> str:
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
            with _local_faults():
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
        timeout: float = 10.0,
    ) -> None:
        import urllib3
        from minio import Minio

        # minio's default client waits five minutes and retries five times: during an outage an
        # upload hung for ~12 s before a 500. One quick retry here; the worker's backoff does the rest.
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=min(timeout, 3.0), read=timeout),
            retries=urllib3.Retry(total=1, backoff_factor=0.2, status_forcelist=(500, 502, 503, 504)),
            maxsize=16,
        )
        self.client = Minio(
            endpoint, access_key=access_key, secret_key=secret_key, secure=secure, region=region, http_client=http
        )
        self.bucket = bucket
        self.prefix = prefix
        self._call(self._ensure_bucket)

    def _call(self, fn: Callable[[], T]) -> T:
        """fn(), its network faults and server errors as StoreUnavailable."""
        import urllib3
        from minio.error import MinioException, S3Error, ServerError

        try:
            return fn()
        except (BlobNotFound, BlobCorrupted):
            raise
        except S3Error as exc:
            if exc.code in ("SlowDown", "InternalError", "ServiceUnavailable", "RequestTimeout"):
                raise StoreUnavailable(f"the S3 store answered {exc.code}") from exc
            raise
        except (ServerError, urllib3.exceptions.HTTPError, MinioException, OSError) as exc:
            raise StoreUnavailable(f"the S3 store cannot be reached ({type(exc).__name__})") from exc

    def ping(self) -> None:
        self._call(lambda: self.client.bucket_exists(self.bucket))

    def _ensure_bucket(self) -> None:
        bucket = self.bucket
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
        return self._call(lambda: self._put(data, content_type))

    def _put(self, data: bytes, content_type: str) -> str:
        key = blob_key(data)
        if self._exists(key):
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
        return self._call(lambda: self._get(key))

    def _get(self, key: str) -> bytes:
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
        return self._call(lambda: self._exists(key))

    def _exists(self, key: str) -> bool:
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
