"""Documents drawn from form specs sampled within form families, for training and held-out corpora.

intake's own layouts (intake_lab/synth/layouts/) are sixteen fixed forms; an extractor tuned on
them reads other hospitals' wordings and arrangements far worse. Here no two documents need share
a layout: each copy samples its labels, arrangements, field order, columns, header, font, sizes,
margins, spacing, distractors and sentence templates within a family, and whole families are held
out, so that a model trained on the training families is measured on wordings it never saw.

- <doc_type>.yaml: the families of one document type (wordings, arrangements, phrasings) as data;
  families.yaml: which families train and which are held out.
- spec.py: loading and checking the data; FormSpec, one copy's choices, sampled from a family.
- arrange.py: the five label–value arrangements (right, below, table, grid, sentence) and the
  ruled data table, drawn for any renderer, recording each field with its arrangement and label.
- common.py, facts.py: what the renderers share; the values a form prints besides its fields.
- invoice.py, settlement.py, clinical.py, letter.py: the renderers; render.py picks one by
  (doc type, kind).
- corpus.py: files and truth.json (`intake fixtures forms`; `intake fixtures form-families`).
"""
