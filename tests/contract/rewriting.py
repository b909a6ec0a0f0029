"""An ASGI wrapper that changes a value in every reply an agency's test double sends, as bad agency data would."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class ReplyRewriter:
    """Serves `app` with every `old` in a reply body replaced by `new` (Content-Length fixed to match).

    The agency's own app answers; only its bytes change on the way out, so a test can give one record
    a value the agency's typed records could never hold (a birth date of 30 February).
    """

    def __init__(self, app: ASGIApp, old: bytes, new: bytes) -> None:
        self.app = app
        self.old = old
        self.new = new
        self.rewritten = 0
        """How many reply bodies held `old` (a test that rewrote nothing proves little)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: Message = {}
        chunks: list[bytes] = []

        async def rewrite(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            if self.old in body:
                self.rewritten += 1
                body = body.replace(self.old, self.new)
            headers = [(name, value) for name, value in start.get("headers", []) if name.lower() != b"content-length"]
            await send({**start, "headers": [*headers, (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, rewrite)
