"""The service's duplicate-invoice registry: a table, answering as intake.check.invoice_registry.InvoiceRegistry."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from intake.store.tables import InvoiceKey


class DbInvoiceRegistry:
    """Reads and writes within the caller's session, so a claim's keys commit with its results.

    "Earlier" is by when each claim first recorded the key: a claim checked again after a
    correction must not be told that a later claim's copy of its own invoice came first.
    """

    def __init__(self, session: Session) -> None:
        self.session = session

    def _mine(self, claim_id: str) -> dict[str, InvoiceKey]:
        rows = self.session.scalars(select(InvoiceKey).where(InvoiceKey.claim_id == claim_id))
        return {r.key: r for r in rows}

    def earlier_claims(self, keys: Iterable[str], claim_id: str) -> dict[str, str]:
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        mine = self._mine(claim_id)
        rows = self.session.scalars(
            select(InvoiceKey)
            .where(InvoiceKey.key.in_(wanted), InvoiceKey.claim_id != claim_id)
            .order_by(InvoiceKey.created_at, InvoiceKey.claim_id)
        )
        out: dict[str, str] = {}
        for row in rows:
            own = mine.get(row.key)
            if own is None or (row.created_at, row.claim_id) < (own.created_at, own.claim_id):
                out.setdefault(row.key, row.claim_id)
        return out

    def image_keys(self, claim_id: str) -> dict[str, str]:
        rows = self.session.execute(
            select(InvoiceKey.key, InvoiceKey.claim_id)
            .where(InvoiceKey.key.startswith("image:"), InvoiceKey.claim_id != claim_id)
            .order_by(InvoiceKey.created_at, InvoiceKey.claim_id)
        )
        out: dict[str, str] = {}
        for key, holder in rows:
            out.setdefault(key, holder)
        return out

    def hold(self, keys: Iterable[str], claim_id: str) -> None:
        """Make the claim hold exactly these keys: a corrected invoice number drops the old key."""
        wanted = set(keys)
        gone = set(self._mine(claim_id)) - wanted
        if gone:
            self.session.execute(
                delete(InvoiceKey).where(InvoiceKey.claim_id == claim_id, InvoiceKey.key.in_(sorted(gone)))
            )
        have = set(self._mine(claim_id))
        self.session.add_all(InvoiceKey(key=k, claim_id=claim_id) for k in sorted(wanted - have))
        self.session.flush()
