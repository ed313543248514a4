"""HTTP routes, one module per audience: claims (portals), documents, review (reviewers). Thin: they
check who is asking, then call intake.service.writes or build a view."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from intake.service.context import ServiceContext
from intake.service.schemas import ErrorOut


def _ctx(request: Request) -> ServiceContext:
    ctx: ServiceContext = request.app.state.ctx
    return ctx


Ctx = Annotated[ServiceContext, Depends(_ctx)]


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    text = {
        400: "The body cannot be parsed: not UTF-8 JSON, or a broken multipart form",
        401: "Missing, invalid or revoked API key",
        403: "The key's role may not do this",
        404: "No such claim or document (or not this portal's)",
        409: "The claim or document is not in a state that allows this",
        413: "The file or body is over the size limit",
        415: "The file is not an image or PDF",
        422: "The request is malformed: bad JSON, unknown claim type or doc_type, bad field value, broken file",
        503: "The store, disk or database is unavailable for a moment: retry after `Retry-After` seconds",
    }
    return {c: {"model": ErrorOut, "description": text[c]} for c in codes}
