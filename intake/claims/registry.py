"""Invoices already claimed: the same bill must not be paid twice.

An invoice is known by its 票据代码 + 票据号码, and an electronic one also by its 校验码; either
key seen on an earlier claim is a duplicate. The CLI keeps a local registry file; the service
keeps a table. Both answer the same two questions.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol


class InvoiceRegistry(Protocol):
    def earlier_claims(self, keys: Iterable[str], claim_id: str) -> dict[str, str]:
        """For each key already recorded by a claim other than claim_id: key -> that claim's id."""
        ...

    def record(self, keys: Iterable[str], claim_id: str) -> None:
        """Remember that claim_id holds these invoice keys (idempotent)."""
        ...
