"""Field extraction per document type (issue #5): not built yet."""
