"""Reference data: intake's curated diagnosis table and, when configured, the official ICD-10 table."""
