"""API keys: created by `intake keys create`, shown once, stored as their sha256, sent as Bearer tokens.

Roles: a portal creates its claims, uploads to them and reads them (another portal's claim does
not exist for it: 404); a reviewer reads every claim and is the only one who corrects; an admin
reads everything and exports corrections.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.store.tables import ApiKey

ROLES = ("portal", "reviewer", "admin")
KEY_PREFIX = "ik_"

bearer = HTTPBearer(auto_error=False, description="An API key from `intake keys create`.")


@dataclass(frozen=True)
class Principal:
    key_id: str
    name: str
    role: str

    @property
    def reads_all(self) -> bool:
        return self.role in ("reviewer", "admin")


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_key(session: Session, role: str, name: str) -> tuple[ApiKey, str]:
    """A new key row and the key itself, which is not stored and cannot be shown again."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    name = name.strip()
    if not name:
        raise ValueError("a key needs a name")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(name=name, role=role, key_hash=hash_key(key))
    session.add(row)
    session.flush()
    return row, key


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": "Bearer"})


def principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Principal:
    if credentials is None or not credentials.credentials:
        raise _unauthorized("missing API key: send Authorization: Bearer KEY")
    token = credentials.credentials
    if not token.startswith(KEY_PREFIX) or len(token) > 200:
        raise _unauthorized("invalid API key")
    ctx = request.app.state.ctx
    with ctx.sessions() as session:
        row = session.scalars(select(ApiKey).where(ApiKey.key_hash == hash_key(token))).first()
    if row is None or row.revoked_at is not None:
        raise _unauthorized("invalid or revoked API key")
    return Principal(row.id, row.name, row.role)


def require(*roles: str) -> object:
    """A dependency that lets only these roles through (403 for the others)."""

    def check(who: Annotated[Principal, Depends(principal)]) -> Principal:
        if who.role not in roles:
            raise HTTPException(403, f"this needs a {' or '.join(roles)} key; yours is a {who.role} key")
        return who

    return Depends(check)


Anyone = Annotated[Principal, Depends(principal)]
Portal = Annotated[Principal, require("portal")]
Reviewer = Annotated[Principal, require("reviewer")]
Reader = Annotated[Principal, require("portal", "reviewer", "admin")]
Staff = Annotated[Principal, require("reviewer", "admin")]
Admin = Annotated[Principal, require("admin")]
