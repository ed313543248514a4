"""The reviewers' workbench: web pages served by `intake serve` under /review/, and /docs offline.

`install(app)` adds, to an app made by intake.service.app.create_app:
- the pages (routes.py) and their static files at /static (no other host is ever asked for
  anything: scripts, styles and Swagger UI ship in the package);
- reviewers' browser sessions as a second way into the JSON API (session.py): a Bearer key works
  exactly as before; a request with no Authorization header but a session cookie is the session's
  reviewer, and needs the CSRF token for any change;
- security headers on every page (a Content-Security-Policy that allows only this service's own
  scripts, styles, images and connections).
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from intake.service import auth
from intake.service.workbench import routes
from intake.service.workbench.session import Sessions, load_secret, principal_or_session

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
PAGE_PREFIXES = ("/review", "/docs", "/static")

DOCS_HTML = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>intake API</title>
<link rel="icon" href="/static/swagger-ui/favicon-32x32.png">
<link rel="stylesheet" href="/static/swagger-ui/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/static/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/static/docs.js?v={version}"></script>
</body>
</html>
"""


class SecurityHeaders:
    """CSP and friends on the pages, their assets and /docs; the JSON API's headers stay as they were."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope["path"]).startswith(PAGE_PREFIXES):
            await self.app(scope, receive, send)
            return
        is_page = not str(scope["path"]).startswith("/static")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"same-origin"),  # no-referrer would make form posts say Origin: null
                    (b"cross-origin-opener-policy", b"same-origin"),
                ]
                if is_page:  # a page holds members' data: never kept by a browser or a proxy
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def install(app: FastAPI) -> None:
    ctx = app.state.ctx
    app.state.review_sessions = Sessions(load_secret(ctx.settings))
    # The JSON API's key check, with reviewers' sessions as a second way in (see session.py).
    app.dependency_overrides[auth.principal] = principal_or_session
    app.add_exception_handler(routes.SignInNeeded, routes.sign_in_redirect)
    app.add_middleware(SecurityHeaders)
    app.include_router(routes.router)
    app.mount("/static", StaticFiles(directory=routes.STATIC), name="static")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        """Swagger UI from the package's own copy (static/swagger-ui, Apache-2.0): it works offline."""
        return HTMLResponse(DOCS_HTML.replace("{version}", routes.static_version()))
