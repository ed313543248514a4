"""intake's lab: the synthetic document generator, model training and the benchmarks.

It depends on the runtime package `intake`; nothing in `intake` imports it. It is installed with
the `dev` (or `lab`) extra, whose packages (fonts, QR codes, progress bars) the runtime does not need.
"""
