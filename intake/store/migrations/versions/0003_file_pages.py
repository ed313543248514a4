"""Large files read as per-page tasks: the file_pages table, and each file's page counts.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("files") as t:
        t.add_column(sa.Column("pages_total", sa.Integer(), nullable=True))
        t.add_column(sa.Column("pages_done", sa.Integer(), nullable=True))
    op.create_table(
        "file_pages",
        sa.Column("file_id", sa.String(36), sa.ForeignKey("files.id"), primary_key=True),
        sa.Column("page", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("transient_failures", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(200), nullable=True),
        sa.Column("lease_expires", TS, nullable=True),
        sa.Column("retry_at", TS, nullable=True),
        sa.Column("dispatched_at", TS, nullable=True),
        sa.Column("finished_at", TS, nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
    )
    op.create_index("ix_file_pages_status", "file_pages", ["status"])


def downgrade() -> None:
    op.drop_table("file_pages")
    with op.batch_alter_table("files") as t:
        t.drop_column("pages_done")
        t.drop_column("pages_total")
