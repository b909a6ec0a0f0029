"""Every exchange of a check with its agency, kept so history can be normalised again.

A check's `Recording` holds each request the connector made and the agency's raw reply to it, the
way OpenHIM keeps a transaction's orchestrations. The hub stores it encrypted beside the normalised
reply. When a mapping is fixed, `ReplayTransport` runs the same check again against the recording
instead of the agency, so the corrected connector re-reads exactly what the agency said then.
"""

from __future__ import annotations

import base64
import hashlib
from collections import defaultdict, deque
from datetime import datetime
from typing import Any

import requests
from pydantic import BaseModel, ConfigDict, Field, field_serializer, field_validator

from connectors.sdk.errors import ConnectorError

RECORDING_FORMAT = 1


class Exchange(BaseModel):
    """One request and the reply that ended it (after retries and polling)."""

    model_config = ConfigDict(frozen=True)

    method: str
    path: str
    request_body: bytes = b""
    status: int
    media_type: str | None = None
    body: bytes = b""
    elapsed_ms: int = 0

    @field_serializer("request_body", "body")
    def _encode(self, value: bytes) -> str:
        return base64.b64encode(value).decode("ascii")

    @field_validator("request_body", "body", mode="before")
    @classmethod
    def _decode(cls, value: Any) -> Any:
        return base64.b64decode(value) if isinstance(value, str) else value

    @property
    def request_key(self) -> tuple[str, str, str]:
        return request_key(self.method, self.path, self.request_body)


class Recording(BaseModel):
    """A whole check's exchanges, in order; `connector` says which class (and so which mapping) read them."""

    format: int = RECORDING_FORMAT
    agency: str
    connector: str
    requested_at: datetime
    completed_at: datetime | None = None
    exchanges: list[Exchange] = Field(default_factory=list)

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode("utf-8")

    @classmethod
    def from_bytes(cls, document: bytes) -> Recording:
        return cls.model_validate_json(document)


def request_key(method: str, path: str, body: bytes) -> tuple[str, str, str]:
    """What identifies a request on replay: method, path and a digest of the body it sent."""
    return method.upper(), path, hashlib.sha256(body).hexdigest()


def encoded_body(json_body: Any = None, data: Any = None) -> bytes:
    """The body requests would send, prepared the same way, so recording and replay agree."""
    prepared = requests.Request("POST", "http://recording.invalid/", json=json_body, data=data).prepare()
    body = prepared.body
    if body is None:
        return b""
    return body if isinstance(body, bytes) else body.encode("utf-8")


class NotInRecording(ConnectorError):
    """Replay asked for a request the original check never made: the connector's requests changed."""

    default_code = "not_in_recording"


class ReplayTransport:
    """Answers requests from a recording: each request gets the reply recorded for it, in order."""

    def __init__(self, recording: Recording) -> None:
        self._replies: dict[tuple[str, str, str], deque[Exchange]] = defaultdict(deque)
        for exchange in recording.exchanges:
            self._replies[exchange.request_key].append(exchange)

    def response(self, method: str, path: str, body: bytes) -> requests.Response:
        queue = self._replies.get(request_key(method, path, body))
        if not queue:
            raise NotInRecording(message="the recording holds no reply to a request this connector now makes")
        exchange = queue.popleft() if len(queue) > 1 else queue[0]
        return as_response(exchange)


def as_response(exchange: Exchange) -> requests.Response:
    return stored_response(exchange.status, exchange.body, exchange.media_type)


def stored_response(
    status: int, body: bytes, media_type: str | None, request_id: str | None = None
) -> requests.Response:
    """A `requests.Response` for a reply that arrived another way (recorded, or pushed to a callback)."""
    response = requests.Response()
    response.status_code = status
    response._content = body
    if media_type:
        response.headers["Content-Type"] = media_type
    if request_id:
        response.headers["X-Request-ID"] = request_id
    response.encoding = "utf-8"
    return response
