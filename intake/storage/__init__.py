"""Where uploaded files and page images are kept: a content-addressed blob store."""

from intake.storage.blobs import BlobCorrupted, BlobNotFound, BlobStore, LocalBlobStore, MinioBlobStore, blob_key

__all__ = ["BlobCorrupted", "BlobNotFound", "BlobStore", "LocalBlobStore", "MinioBlobStore", "blob_key"]
