"""The education sandbox's guard: a static API key in a header, compared in constant time."""

from __future__ import annotations

import hmac
from collections.abc import Iterable

from fastapi import Request, Response

from sandbox.common.api import ErrorRenderer
from sandbox.common.auth.credentials import API_KEY_HEADER, ApiKeyClient
from sandbox.common.auth.guard import DENIED_CODE, SandboxGuard


class ApiKeyGuard(SandboxGuard):
    """A static API key in a header (`X-API-Key`), compared in constant time, for the education sandbox."""

    def __init__(
        self,
        clients: Iterable[ApiKeyClient],
        render_error: ErrorRenderer,
        *,
        header: str = API_KEY_HEADER,
        denied_code: str = DENIED_CODE,
    ) -> None:
        super().__init__(render_error, denied_code=denied_code)
        self.header = header
        self._keys = [client.api_key.get_secret_value().encode() for client in clients]
        if any(client.header.lower() != header.lower() for client in clients):
            raise ValueError(f"every API key client must use the {header} header")

    def refusal(self, request: Request) -> Response | None:
        presented = request.headers.get(self.header)
        if not presented:
            return self._deny(f"Missing {self.header} header")
        # Check every key without stopping early, so timing does not reveal a near match.
        matches = [hmac.compare_digest(presented.encode(), key) for key in self._keys]
        return None if any(matches) else self._deny("Invalid API key")
