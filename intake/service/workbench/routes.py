"""The workbench's pages under /review/: sign-in, the queue, a claim, a document.

Server-rendered (Jinja2, autoescaped); the document page's state travels as a JSON data block and
review.js draws it, then changes it through the JSON API (PATCH /v1/documents/{id}, POST
/v1/claims/{id}/review) with the session cookie and its CSRF token. None of these routes is in
/openapi.json: they are pages for people, not the contract.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from functools import cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.security import HTTPAuthorizationCredentials
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from intake.service import auth, writes
from intake.service.context import ServiceContext
from intake.service.workbench import labels, pages
from intake.service.workbench.session import (
    LOGIN_COOKIE,
    LOGIN_SECONDS,
    SESSION_COOKIE,
    SESSION_ROLES,
    Session,
    SessionError,
    clear_session_cookie,
    same_origin,
    sessions_of,
    set_session_cookie,
)

log = logging.getLogger("intake.service")

HERE = Path(__file__).parent
STATIC = HERE / "static"
KEY_FIELD_MAX = 200

router = APIRouter(prefix="/review", include_in_schema=False)


class SignInNeeded(Exception):
    """A page asked for without a live session: answered with a redirect to the sign-in form."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


@cache
def static_version() -> str:
    """A hash of the static files, appended to their URLs so that a new release is fetched anew."""
    h = hashlib.sha256()
    for p in sorted(STATIC.rglob("*")):
        if p.is_file() and "swagger-ui" not in p.parts:
            h.update(p.name.encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:10]


def _json_block(value: Any) -> Markup:
    """JSON for a <script type="application/json"> block: nothing in it can close the element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True))
env.globals.update(static=lambda path: f"/static/{path}?v={static_version()}", labels=labels, json_block=_json_block)


def _ctx(request: Request) -> ServiceContext:
    ctx: ServiceContext = request.app.state.ctx
    return ctx


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a workbench path of this service, nothing else."""
    if value and re.fullmatch(r"/review/[A-Za-z0-9/_\-]*(\?[A-Za-z0-9_=&\-]*)?", value) and "//" not in value:
        return value
    return "/review/"


def reviewer(request: Request) -> Session:
    try:
        return sessions_of(request).check(request)
    except SessionError:
        query = f"?{request.url.query}" if request.url.query else ""
        raise SignInNeeded(request.url.path + query) from None


Reviewer = Annotated[Session, Depends(reviewer)]


def render(request: Request, template: str, session: Session | None, status: int = 200, **values: Any) -> HTMLResponse:
    sessions = sessions_of(request)
    html = env.get_template(template).render(
        request=request,
        who=session.principal if session else None,
        csrf=sessions.csrf_token(session.sid) if session else "",
        **values,
    )
    response = HTMLResponse(html, status)
    if session is not None:
        set_session_cookie(request, response, sessions.cookie_for(session))  # the idle deadline moves on
    return response


def _error_page(request: Request, session: Session | None, exc: HTTPException) -> HTMLResponse:
    text = {404: "找不到这份申请或材料", 409: "现在不能这样操作", 403: "没有权限"}.get(exc.status_code, "请求有误")
    return render(request, "error.html", session, exc.status_code, message=text, title=text)


# -- signing in and out ------------------------------------------------------------------------------


def _login_form(request: Request, status: int = 200, error: str = "", next_path: str = "/review/") -> HTMLResponse:
    cookie, token = sessions_of(request).login_nonce()
    response = render(request, "login.html", None, status, error=error, login_token=token, next=next_path)
    response.set_cookie(
        LOGIN_COOKIE,
        cookie,
        max_age=LOGIN_SECONDS,
        path="/review/login",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.get("/login")
def login_form(request: Request, next: Annotated[str | None, Query(max_length=300)] = None) -> Response:
    try:
        sessions_of(request).check(request)
        return RedirectResponse(safe_next(next), 303)
    except SessionError:
        return _login_form(request, next_path=safe_next(next))


@router.post("/login")
async def login(request: Request) -> Response:
    form = await request.form()
    next_path = safe_next(str(form.get("next") or ""))
    sessions = sessions_of(request)
    if not same_origin(request) or not sessions.login_ok(
        request.cookies.get(LOGIN_COOKIE), str(form.get("login_token") or "")
    ):
        return _login_form(request, 403, "登录页面已过期，请重新输入密钥", next_path)
    key = str(form.get("api_key") or "").strip()[:KEY_FIELD_MAX]
    try:
        who = auth.principal(request, HTTPAuthorizationCredentials(scheme="Bearer", credentials=key) if key else None)
    except HTTPException:
        log.info("review sign-in refused: unknown or revoked key")
        return _login_form(request, 401, "密钥无效或已停用", next_path)
    if who.role not in SESSION_ROLES:
        log.info("review sign-in refused: key %s is a %s key", who.key_id, who.role)
        return _login_form(request, 403, "只有审核人员的密钥可以登录审核工作台", next_path)
    _, cookie = sessions.start(who)
    log.info("review session started for key %s", who.key_id)
    response = RedirectResponse(next_path, 303)
    set_session_cookie(request, response, cookie)
    response.delete_cookie(LOGIN_COOKIE, path="/review/login")
    return response


async def _checked_form(request: Request, session: Session) -> None:
    form = await request.form()
    if not same_origin(request) or not sessions_of(request).csrf_ok(session.sid, str(form.get("csrf_token") or "")):
        raise HTTPException(403, "CSRF token missing or wrong")


@router.post("/logout")
async def logout(request: Request, session: Reviewer) -> Response:
    try:
        await _checked_form(request, session)
    except HTTPException as exc:
        return _error_page(request, session, exc)
    sessions_of(request).end(session)
    log.info("review session ended for key %s", session.principal.key_id)
    response = RedirectResponse("/review/login", 303)
    clear_session_cookie(response)
    return response


# -- pages -----------------------------------------------------------------------------------------


@router.get("")
def to_queue() -> Response:
    return RedirectResponse("/review/", 308)


@router.get("/")
def queue_page(
    request: Request,
    session: Reviewer,
    status: Annotated[str | None, Query(max_length=40)] = None,
    claim_type: Annotated[str | None, Query(max_length=40)] = None,
    page: Annotated[str | None, Query(max_length=10)] = None,
) -> Response:
    flt = pages.QueueFilter.parse(status, claim_type, page)
    data = pages.queue(_ctx(request), flt)
    return render(request, "queue.html", session, title="待审核申请", page_id="queue", q=data)


@router.get("/claims/{claim_id}")
def claim_page(request: Request, claim_id: str, session: Reviewer) -> Response:
    try:
        data = pages.claim(_ctx(request), claim_id, session.principal)
    except HTTPException as exc:
        return _error_page(request, session, exc)
    title = f"{data['claim_type_name']} · {data['status_name']}"
    return render(request, "claim.html", session, title=title, page_id="claim", c=data)


@router.post("/claims/{claim_id}/review")
async def review_claim(request: Request, claim_id: str, session: Reviewer) -> Response:
    """The claim page's 'mark reviewed' form: the same write as POST /v1/claims/{id}/review."""
    try:
        await _checked_form(request, session)
        writes.mark_reviewed(_ctx(request), claim_id, session.principal)
    except HTTPException as exc:
        return _error_page(request, session, exc)
    return RedirectResponse(f"/review/claims/{claim_id}", 303)


@router.get("/documents/{document_id}")
def document_page(request: Request, document_id: str, session: Reviewer) -> Response:
    try:
        state = pages.document(_ctx(request), document_id, session.principal)
    except HTTPException as exc:
        return _error_page(request, session, exc)
    doc = state["document"]
    name = next((t["name"] for t in state["doc_types"] if t["value"] == doc["doc_type"]), "材料")
    return render(request, "document.html", session, title=name, page_id="document", state=state, doc=doc)


def sign_in_redirect(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInNeeded)
    target = f"/review/login?next={quote(safe_next(exc.next_path), safe='/')}"
    response = RedirectResponse(target, 303)
    if SESSION_COOKIE in request.cookies:
        clear_session_cookie(response)
    return response
