"""Leases on files (owner + expiry), transient retries, upload idempotency keys, the webhook outbox.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("files") as t:
        t.add_column(sa.Column("lease_owner", sa.String(200), nullable=True))
        t.add_column(sa.Column("lease_expires", TS, nullable=True))
        t.add_column(sa.Column("retry_at", TS, nullable=True))
        t.add_column(sa.Column("transient_failures", sa.Integer(), nullable=False, server_default="0"))
        t.add_column(sa.Column("idempotency_key", sa.String(200), nullable=True))
        t.add_column(sa.Column("dispatched_at", TS, nullable=True))
        t.add_column(sa.Column("request_id", sa.String(64), nullable=True))
        t.create_unique_constraint("uq_files_claim_idempotency_key", ["claim_id", "idempotency_key"])
    op.create_table(
        "webhook_outbox",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("claim_id", sa.String(36), sa.ForeignKey("claims.id"), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("delivered_at", TS, nullable=True),
        sa.Column("given_up_at", TS, nullable=True),
        sa.Column("last_error", sa.String(200), nullable=True),
    )
    op.create_index("ix_webhook_outbox_due", "webhook_outbox", ["delivered_at", "given_up_at", "next_attempt_at"])
    op.create_index("ix_webhook_outbox_claim_id", "webhook_outbox", ["claim_id"])


def downgrade() -> None:
    op.drop_table("webhook_outbox")
    with op.batch_alter_table("files") as t:
        t.drop_constraint("uq_files_claim_idempotency_key", type_="unique")
        for name in (
            "dispatched_at",
            "idempotency_key",
            "transient_failures",
            "retry_at",
            "lease_expires",
            "lease_owner",
        ):
            t.drop_column(name)
