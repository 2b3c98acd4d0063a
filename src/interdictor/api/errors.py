"""Every error the API answers has one JSON shape: ``{"error": code, "detail": why}``."""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse

log = logging.getLogger(__name__)


class Issue(BaseModel):
    """One reason a request is invalid."""

    loc: list[str | int] = Field(description="where: body, query or path, then the field")
    msg: str
    type: str


class ErrorOut(BaseModel):
    """An error answer."""

    error: str = Field(description="a short code: unauthorized, forbidden, not_found, invalid_request, ...")
    detail: str | list[Issue]


class ApiError(HTTPException):
    """An error to answer with ``status`` and an :class:`ErrorOut` body.

    An HTTPException, so that FastAPI passes it on when it is raised while the body is read.
    """

    def __init__(self, status: int, error: str, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(status, detail, headers)
        self.error = error


def not_found(kind: str, object_id: int) -> ApiError:
    """The error for an id that names nothing (or nothing the caller may see)."""
    return ApiError(404, "not_found", f"no {kind} {object_id}")


class ErrorResponse(JSONResponse):
    """JSON with non-ASCII escaped: error details may quote input that is not valid UTF-8."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def _answer(
    status: int, error: str, detail: str | list[dict[str, Any]], headers: Any = None
) -> ErrorResponse:
    return ErrorResponse({"error": error, "detail": detail}, status_code=status, headers=headers)


def answer(exc: ApiError) -> ErrorResponse:
    """The response for an :class:`ApiError`."""
    return _answer(exc.status_code, exc.error, exc.detail, exc.headers)


async def _api_error(_request: Request, exc: Exception) -> ErrorResponse:
    assert isinstance(exc, ApiError)
    return answer(exc)


async def _http_error(_request: Request, exc: Exception) -> ErrorResponse:
    assert isinstance(exc, HTTPException)
    code = HTTPStatus(exc.status_code).phrase.lower().replace(" ", "_").replace("-", "_")
    return _answer(exc.status_code, code, str(exc.detail), exc.headers)


async def _invalid_request(_request: Request, exc: Exception) -> ErrorResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    for error in errors:
        if error["type"] == "json_invalid":
            reason = error.get("ctx", {}).get("error", "")
            position = error["loc"][-1]
            return _answer(
                400, "invalid_json", f"the body is not valid JSON: {reason} at character {position}"
            )
    issues = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in errors]
    return _answer(422, "invalid_request", issues)


async def _unexpected(request: Request, exc: Exception) -> ErrorResponse:
    log.exception("unexpected error in %s %s", request.method, request.url.path, exc_info=exc)
    return _answer(500, "internal_error", "an unexpected error; it has been logged")


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error, expected or not, with an :class:`ErrorOut` body."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(Exception, _unexpected)


DESCRIPTIONS = {
    400: "the body is not valid JSON",
    401: "no API key, or an unknown or revoked one",
    403: "the key's role may not do this",
    404: "no such object, or not one the key may see",
    409: "conflicts with what is stored: a post another key submitted, an action that is not dead",
    413: "the body is too large",
    422: "the request is invalid; detail lists why",
    503: "the database cannot be reached",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for these error statuses."""
    return {code: {"model": ErrorOut, "description": DESCRIPTIONS[code]} for code in codes}
