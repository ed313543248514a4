"""Reviewers' browser sessions: a signed, expiring cookie that names an API key, and CSRF tokens.

The database keeps no sessions (its schema is the migrations'), so a session is a cookie signed
with the service's session secret (itsdangerous) carrying the id of the reviewer key that signed
in, a random session id and when it began. Every request checks the signature and both deadlines
(idle and absolute), and then that the key still exists, is not revoked and is still a reviewer's:
revoking the key (`intake keys revoke`) ends its sessions at once.

CSRF: every change made with a session needs a token bound to the session id (HMAC with the same
secret): the X-CSRF-Token header on JSON calls, a `csrf_token` form field on forms. The cookie is
also HttpOnly and SameSite=Strict. The sign-in form has its own token, bound to a short-lived
pre-session cookie, so that another site cannot sign a browser in under someone else's key.

Signing out clears the cookie and remembers the session id in this process until the session
would have expired anyway; a service restart forgets that list (one process serves a database).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Response
from fastapi.security import HTTPAuthorizationCredentials
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from intake.service import auth
from intake.service.auth import Principal, bearer
from intake.settings import Settings
from intake.store.tables import ApiKey

log = logging.getLogger("intake.service")

SESSION_COOKIE = "intake_review"
LOGIN_COOKIE = "intake_review_login"
CSRF_HEADER = "X-CSRF-Token"
IDLE_SECONDS = 60 * 60  # a session not used for an hour has ended
ABSOLUTE_SECONDS = 10 * 60 * 60  # and none lasts longer than a working day
LOGIN_SECONDS = 30 * 60  # the sign-in form's token
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
SECRET_FILE = "session_secret"
SESSION_ROLES = ("reviewer",)


def load_secret(settings: Settings) -> bytes:
    """INTAKE_SESSION_SECRET, else a random secret made once and kept in a 0600 file in the data dir."""
    if settings.session_secret:
        return settings.session_secret.encode()
    path = Path(settings.data_dir) / SECRET_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)  # someone loosened it: a readable secret lets anyone forge sessions
        secret = path.read_text().strip()
        if len(secret) < 32:
            raise RuntimeError(f"{path} holds no usable session secret; delete it to have a new one made") from None
        return secret.encode()
    secret = secrets.token_hex(32)
    with os.fdopen(fd, "w") as f:
        f.write(secret + "\n")
    log.info("review sessions: a new secret was made in the data dir")
    return secret.encode()


@dataclass(frozen=True)
class Session:
    principal: Principal
    sid: str
    started: float

    @property
    def expires(self) -> float:
        return self.started + ABSOLUTE_SECONDS


class SessionError(Exception):
    """The cookie is missing, forged, expired, signed out, or its key is gone."""


class Sessions:
    """Makes and checks session cookies and CSRF tokens with one secret."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret
        self._cookie = URLSafeTimedSerializer(secret, salt="intake.review.session")
        self._login = URLSafeTimedSerializer(secret, salt="intake.review.login")
        self._ended: dict[str, float] = {}  # signed-out session id -> when it would have expired
        self._lock = threading.Lock()

    # -- tokens ---------------------------------------------------------------------------------
    def _mac(self, purpose: str, value: str) -> str:
        return hmac.new(self._secret, f"{purpose}|{value}".encode(), hashlib.sha256).hexdigest()

    def csrf_token(self, sid: str) -> str:
        return self._mac("csrf", sid)

    def csrf_ok(self, sid: str, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf_token(sid), str(token))

    # -- the sign-in form -----------------------------------------------------------------------
    def login_nonce(self) -> tuple[str, str]:
        """(cookie value, form token) for a sign-in form."""
        nonce = secrets.token_urlsafe(16)
        return self._login.dumps(nonce), self._mac("login", nonce)

    def login_ok(self, cookie: str | None, token: str | None) -> bool:
        if not cookie or not token:
            return False
        try:
            nonce = self._login.loads(cookie, max_age=LOGIN_SECONDS)
        except BadSignature:
            return False
        return hmac.compare_digest(self._mac("login", str(nonce)), str(token))

    # -- sessions -------------------------------------------------------------------------------
    def start(self, who: Principal) -> tuple[Session, str]:
        session = Session(who, secrets.token_urlsafe(16), time.time())
        return session, self.cookie_for(session)

    def cookie_for(self, session: Session) -> str:
        """The cookie for this session, signed now: each page a reviewer opens moves the idle deadline."""
        return self._cookie.dumps({"k": session.principal.key_id, "s": session.sid, "t": int(session.started)})

    def end(self, session: Session) -> None:
        with self._lock:
            now = time.time()
            self._ended = {sid: t for sid, t in self._ended.items() if t > now}
            self._ended[session.sid] = session.expires

    def check(self, request: Request) -> Session:
        raw = request.cookies.get(SESSION_COOKIE)
        if not raw:
            raise SessionError("no session")
        try:
            data = self._cookie.loads(raw, max_age=IDLE_SECONDS)
        except SignatureExpired:
            raise SessionError("the session has expired") from None
        except BadSignature:
            raise SessionError("not a session") from None
        if not isinstance(data, dict) or not {"k", "s", "t"} <= set(data):
            raise SessionError("not a session")
        sid, key_id, started = str(data["s"]), str(data["k"]), float(data["t"])
        if started + ABSOLUTE_SECONDS < time.time():
            raise SessionError("the session has expired")
        with self._lock:
            if sid in self._ended:
                raise SessionError("signed out")
        ctx = request.app.state.ctx
        with ctx.sessions() as s:
            row = s.scalars(select(ApiKey).where(ApiKey.id == key_id)).first()
        if row is None or row.revoked_at is not None or row.role not in SESSION_ROLES:
            raise SessionError("the key is revoked")
        return Session(Principal(row.id, row.name, row.role), sid, started)


def sessions_of(request: Request) -> Sessions:
    found: Sessions = request.app.state.review_sessions
    return found


def set_session_cookie(request: Request, response: Response, value: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        value,
        max_age=IDLE_SECONDS,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")


def same_origin(request: Request) -> bool:
    """A browser's Origin, where it sends one, names this service (as the browser reached it: a
    reverse proxy may pass that on in X-Forwarded-Host, which no other site's page can set)."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    hosts = {request.headers.get("host", "")} | {
        h.strip() for h in request.headers.get("x-forwarded-host", "").split(",") if h.strip()
    }
    return origin.split("://", 1)[-1] in hosts


def principal_or_session(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Principal:
    """The JSON API's caller: a Bearer key exactly as before; else a reviewer's browser session,
    with the CSRF token on every change. Installed over intake.service.auth.principal."""
    if credentials is not None or SESSION_COOKIE not in request.cookies:
        return auth.principal(request, credentials)
    sessions = sessions_of(request)
    try:
        session = sessions.check(request)
    except SessionError:
        raise HTTPException(
            401, "the review session has ended: sign in again", headers={"WWW-Authenticate": "Bearer"}
        ) from None
    if request.method not in SAFE_METHODS and (
        not same_origin(request) or not sessions.csrf_ok(session.sid, request.headers.get(CSRF_HEADER))
    ):
        raise HTTPException(403, "a change made with a review session needs its CSRF token")
    return session.principal
