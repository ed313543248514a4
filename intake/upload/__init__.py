"""An uploaded file: what it really is, whether it may be accepted, and its pages as images."""
