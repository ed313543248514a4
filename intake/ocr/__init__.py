"""The OCR stage: uploaded files in, upright pages with text lines, boxes, confidences and seals out."""
