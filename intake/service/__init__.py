"""The HTTP service: claims, uploads, results and reviewer corrections over FastAPI."""
