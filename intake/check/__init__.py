"""Claim rules and the completeness check (issue #6).

`load_rules()` reads and validates rules.yaml (or $INTAKE_CLAIM_RULES); `check_claim()` judges a
claim's documents against them and returns the contract's completeness object. The CLI and the
service both call these two.
"""

from intake.check.checks import check_claim
from intake.check.claim_rules import Rules, RulesError, load_rules

__all__ = ["Rules", "RulesError", "check_claim", "load_rules"]
