"""Synthetic claim documents with ground truth: the project's own labelled corpus.

No public labelled set of Chinese claim documents exists, so intake renders its own, built to
look like what members upload (docs/documents.md): the layouts (`layouts/`), the values that fill them
(`values.py`, `case.py`), the red seals (`seals.py`), what phones and scanners do to a page
(`degrade.py`), the files members upload (`files.py`) and the corpus with its truth (`corpus.py`).
"""
