"""Why an agency check failed, as typed errors carrying a short code and never personal data.

The code becomes `AgencyReply.error_code`; messages are fixed text so they are safe to log.
"""

from __future__ import annotations


class ConnectorError(Exception):
    """An agency check could not be completed; `code` says why (e.g. "http_400")."""

    default_code = "connector_error"

    def __init__(self, code: str | None = None, message: str | None = None) -> None:
        self.code = code or self.default_code
        super().__init__(message or self.code)


class AgencyTimeout(ConnectorError):
    """The agency did not connect or answer within the configured timeouts."""

    default_code = "timeout"


class AgencyUnavailable(ConnectorError):
    """The agency could not be reached, or kept answering with a server error or 429."""

    default_code = "connection_error"


class MalformedReply(ConnectorError):
    """The agency answered, but not in the format its connector understands."""

    default_code = "malformed_reply"
