"""Documents drawn from form specs sampled within form families, for training and held-out corpora.

See spec.py for what a family is and render.py for how a document is drawn from one.
"""
