"""The completeness check of a claim: the claim rules (rules.yaml, claim_rules.py), one function per
check (checks.py), the invoices already claimed (invoice_registry.py), and the readable report."""
