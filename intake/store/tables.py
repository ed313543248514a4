"""Tables of the service (rows are named ...Row, apart from the pipeline's Document and the checks'
claim). The schema is owned by the Alembic migrations in intake/store/migrations;
these models must match them (tests compare the two).

A claim holds uploaded files; processing a file yields one or more documents (a PDF bundle holds
several). The upload answers with the id of the file's first document, which exists from the
moment of the upload (status queued); documents found after the first in the same file are added
when the file is processed, with the same filename. A document's status is its file's.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


def new_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on the way out, whatever the database (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


JsonValue = JSON(none_as_null=True)


class Base(DeclarativeBase):
    pass


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    # sha256 of the key: keys are 256 random bits, so a fast hash is as good as a slow one.
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class ClaimRow(Base):
    __tablename__ = "claims"
    __table_args__ = (
        UniqueConstraint("owner", "idempotency_key", name="uq_claims_owner_idempotency_key"),
        Index("ix_claims_status_updated", "status", "updated_at"),
        Index("ix_claims_owner_created", "owner", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    claim_type: Mapped[str] = mapped_column(String(40))
    external_ref: Mapped[str | None] = mapped_column(String(200), nullable=True)
    owner: Mapped[str] = mapped_column(String(200))  # the portal's key name: a portal may rotate keys
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    webhook_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(20))
    completeness: Mapped[dict[str, Any] | None] = mapped_column(JsonValue, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    reviewed_by: Mapped[str | None] = mapped_column(String(200), nullable=True)

    files: Mapped[list[FileRow]] = relationship(back_populates="claim", order_by="FileRow.created_at")
    documents: Mapped[list[DocumentRow]] = relationship(
        back_populates="claim", order_by="(DocumentRow.created_at, DocumentRow.position)"
    )


class FileRow(Base):
    """One upload: the original bytes (by blob key), its processing state and what OCR read."""

    __tablename__ = "files"
    __table_args__ = (
        Index("ix_files_status_created", "status", "created_at"),
        UniqueConstraint("claim_id", "idempotency_key", name="uq_files_claim_idempotency_key"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    claim_id: Mapped[str] = mapped_column(ForeignKey("claims.id"), index=True)
    filename: Mapped[str] = mapped_column(String(500))
    blob_key: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(100))
    # queued | processing | done | failed, or split: read as one task per page (file_pages), shown
    # as processing; it is queued again, to be assembled, when its last page is read.
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    reason_code: Mapped[str | None] = mapped_column(String(50), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # {"pages": [{page, width, height, rotation, lines, seals, image, features}]}
    ocr: Mapped[dict[str, Any] | None] = mapped_column(JsonValue, nullable=True)
    # Who is reading the file and until when: a worker renews its lease while it works, and a
    # `processing` row whose lease ran out was left by a worker that died (any process may take it).
    lease_owner: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lease_expires: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # A transient fault (store, disk, database) puts the file back in the queue until then.
    retry_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    transient_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # With a broker: when a task for this file was last sent (the sweeper re-sends lost ones).
    dispatched_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # The upload's request id, so that the worker's log lines about the file carry it too.
    request_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # A file read page by page: how many pages it has and how many are read (None: read whole).
    pages_total: Mapped[int | None] = mapped_column(Integer, nullable=True)
    pages_done: Mapped[int | None] = mapped_column(Integer, nullable=True)

    claim: Mapped[ClaimRow] = relationship(back_populates="files")
    documents: Mapped[list[DocumentRow]] = relationship(back_populates="file", order_by="DocumentRow.position")


def shown_status(status: str) -> str:
    """A file's status as members and reviewers see it: a file read page by page is processing."""
    return "processing" if status == "split" else status


class FilePageRow(Base):
    """One page of a file read as per-page tasks, taken under a lease as a file is; `result` is the
    page as stored (what intake.service.processing.page_record gives), until the file is assembled."""

    __tablename__ = "file_pages"
    __table_args__ = (Index("ix_file_pages_status", "status"),)

    file_id: Mapped[str] = mapped_column(ForeignKey("files.id"), primary_key=True)
    page: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # counting from 1
    status: Mapped[str] = mapped_column(String(20))  # queued | processing | done
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    transient_failures: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lease_expires: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    retry_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    dispatched_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JsonValue, nullable=True)


class DocumentRow(Base):
    __tablename__ = "documents"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    claim_id: Mapped[str] = mapped_column(ForeignKey("claims.id"), index=True)
    file_id: Mapped[str] = mapped_column(ForeignKey("files.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)  # its order within the file
    filename: Mapped[str] = mapped_column(String(500))
    doc_type: Mapped[str | None] = mapped_column(String(40), nullable=True)
    doc_type_confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    pages: Mapped[list[int]] = mapped_column(JSON, default=list)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    claim: Mapped[ClaimRow] = relationship(back_populates="documents")
    file: Mapped[FileRow] = relationship(back_populates="documents")


class CorrectionRow(Base):
    """One reviewer change: who, when, which field (or "doc_type"), the value before and after."""

    __tablename__ = "corrections"
    __table_args__ = (Index("ix_corrections_document_at", "document_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"))
    claim_id: Mapped[str] = mapped_column(ForeignKey("claims.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    by: Mapped[str] = mapped_column(String(200))
    by_key_id: Mapped[str] = mapped_column(String(36))
    field: Mapped[str] = mapped_column(String(100))
    old: Mapped[Any] = mapped_column(JSON, nullable=True)
    new: Mapped[Any] = mapped_column(JSON, nullable=True)


class InvoiceKey(Base):
    """Invoice keys (票据代码+号码, 校验码) held by each claim: the duplicate-invoice registry."""

    __tablename__ = "invoice_keys"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    claim_id: Mapped[str] = mapped_column(ForeignKey("claims.id"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class OutboxRow(Base):
    """A webhook event waiting for (or done with) delivery: written in the transaction that settled
    the claim, so that an event is neither lost by a restart nor sent twice for one settling."""

    __tablename__ = "webhook_outbox"
    __table_args__ = (Index("ix_webhook_outbox_due", "delivered_at", "given_up_at", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)  # X-Intake-Delivery
    claim_id: Mapped[str] = mapped_column(ForeignKey("claims.id"), index=True)
    url: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    given_up_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(200), nullable=True)
