"""Where claims live: blobs (uploads, page images) and the service's tables."""
