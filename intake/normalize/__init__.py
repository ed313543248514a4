"""Normalizers shared by the extractors, the claim checks and the fixture generator.

One module per kind of value. Each parses what real pages print into the contract's format and,
where the generator needs it, produces the printed form from a value.
"""
