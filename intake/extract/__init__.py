"""Field extraction per document type: OCR lines in, contract fields with confidence and box out."""
