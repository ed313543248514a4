"""Reviewer corrections: values held to the contract's forms, fields read again under a corrected
type, and corrections exported as training rows."""
