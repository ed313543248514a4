"""The first schema: keys, claims, files, documents, corrections, invoice keys.

Revision ID: 0001
Revises:
Create Date: 2025-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("revoked_at", TS, nullable=True),
    )
    op.create_table(
        "claims",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("claim_type", sa.String(40), nullable=False),
        sa.Column("external_ref", sa.String(200), nullable=True),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=True),
        sa.Column("webhook_url", sa.Text(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("completeness", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("reviewed_at", TS, nullable=True),
        sa.Column("reviewed_by", sa.String(200), nullable=True),
        sa.UniqueConstraint("owner", "idempotency_key", name="uq_claims_owner_idempotency_key"),
    )
    op.create_index("ix_claims_status_updated", "claims", ["status", "updated_at"])
    op.create_index("ix_claims_owner_created", "claims", ["owner", "created_at"])
    op.create_table(
        "files",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("claim_id", sa.String(36), sa.ForeignKey("claims.id"), nullable=False),
        sa.Column("filename", sa.String(500), nullable=False),
        sa.Column("blob_key", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("reason_code", sa.String(50), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("started_at", TS, nullable=True),
        sa.Column("finished_at", TS, nullable=True),
        sa.Column("ocr", sa.JSON(none_as_null=True), nullable=True),
    )
    op.create_index("ix_files_claim_id", "files", ["claim_id"])
    op.create_index("ix_files_status_created", "files", ["status", "created_at"])
    op.create_table(
        "documents",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("claim_id", sa.String(36), sa.ForeignKey("claims.id"), nullable=False),
        sa.Column("file_id", sa.String(36), sa.ForeignKey("files.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(500), nullable=False),
        sa.Column("doc_type", sa.String(40), nullable=True),
        sa.Column("doc_type_confidence", sa.Float(), nullable=True),
        sa.Column("pages", sa.JSON(), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("ix_documents_claim_id", "documents", ["claim_id"])
    op.create_index("ix_documents_file_id", "documents", ["file_id"])
    op.create_table(
        "corrections",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("document_id", sa.String(36), sa.ForeignKey("documents.id"), nullable=False),
        sa.Column("claim_id", sa.String(36), sa.ForeignKey("claims.id"), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("by_key_id", sa.String(36), nullable=False),
        sa.Column("field", sa.String(100), nullable=False),
        sa.Column("old", sa.JSON(), nullable=True),
        sa.Column("new", sa.JSON(), nullable=True),
    )
    op.create_index("ix_corrections_document_at", "corrections", ["document_id", "at"])
    op.create_index("ix_corrections_claim_id", "corrections", ["claim_id"])
    op.create_table(
        "invoice_keys",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("claim_id", sa.String(36), sa.ForeignKey("claims.id"), primary_key=True),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_invoice_keys_claim_id", "invoice_keys", ["claim_id"])


def downgrade() -> None:
    op.drop_table("invoice_keys")
    op.drop_table("corrections")
    op.drop_table("documents")
    op.drop_table("files")
    op.drop_table("claims")
    op.drop_table("api_keys")
