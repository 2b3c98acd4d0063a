"""Request body size limits, answered 413 in the API's error shape."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from interdictor.api.errors import ApiError, answer


class BodyLimit:
    """Refuses a body over the limit for its path (``default`` elsewhere): at once when its
    Content-Length says so, else when the bytes read pass it, since a client may send no
    Content-Length (chunked) or a false one."""

    def __init__(self, app: ASGIApp, default: int, per_path: Mapping[str, int]) -> None:
        self.app = app
        self.default = default
        self.per_path = dict(per_path)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.per_path.get(scope["path"], self.default)
        too_large = ApiError(
            413, "content_too_large", f"the body is over {limit} bytes, the limit for {scope['path']}"
        )
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await answer(too_large)(scope, receive, send)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise too_large
            return message

        await self.app(scope, limited, send)
