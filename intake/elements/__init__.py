"""The shapes every stage passes on: a page as read (lines, seals), a document (type, pages, fields)
and the findings about a claim (missing documents, problems, completeness). Each has one
to_json/from_json, used by the CLI, the service's database rows, caches and training alike."""
