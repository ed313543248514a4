"""The HTTP service (issue #7): claims, uploads, results and reviewer corrections over FastAPI."""
