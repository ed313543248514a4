"""Claim rules and the completeness check (issue #6)."""
