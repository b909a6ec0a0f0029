"""Serving a Prometheus registry over HTTP: on loopback by default, anywhere else only behind a bearer token.

A server of its own rather than a route on the web application: the web application faces practitioners
(through an HTTPS proxy, often to the whole council network) while the scrape is for the monitoring system
alone, so it gets its own port that is private by default, and a Kubernetes pod or compose service can
expose one without the other. prometheus_client's WSGI application does the exposition (text format,
OpenMetrics by `Accept`, gzip); this module adds the token check and the bind rule.
"""

from __future__ import annotations

import hmac
import ipaddress
import socketserver
import threading
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, make_wsgi_app

from hub.errors import UserError

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
PATH = "/metrics"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def metrics_app(registry: CollectorRegistry, token: str | None) -> WsgiApp:
    """`/metrics` from `registry`; with a `token`, only for requests bearing it (compared in constant time)."""
    exposition = make_wsgi_app(registry)
    expected = f"Bearer {token}".encode() if token else None

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "") != PATH:
            start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"Not found: the metrics are at /metrics\n"]
        if expected is not None:
            given = str(environ.get("HTTP_AUTHORIZATION", "")).encode("latin-1", "replace")
            if not hmac.compare_digest(given, expected):
                start_response(
                    "401 Unauthorized",
                    [("Content-Type", "text/plain; charset=utf-8"), ("WWW-Authenticate", 'Bearer realm="metrics"')],
                )
                return [b"A bearer token is required.\n"]
        answer: Iterable[bytes] = exposition(environ, start_response)
        return answer

    return app


class _ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No per-scrape line on stderr (a scrape every 15 s would drown the hub's own log)."""


def check_bind(host: str, token: str | None) -> None:
    """Refuse to serve beyond this machine without a token: the figures show the hub's workload."""
    if not is_loopback(host) and not token:
        raise UserError(
            f"The metrics would be open to every computer that can reach {host}: set HUB_METRICS_TOKEN "
            "(Prometheus sends it as a bearer token), or serve on 127.0.0.1."
        )


def metrics_server(registry: CollectorRegistry, *, host: str, port: int, token: str | None) -> WSGIServer:
    """A bound (not yet serving) threaded server for `/metrics`; the caller runs `serve_forever()`."""
    check_bind(host, token)
    try:
        return make_server(
            host, port, metrics_app(registry, token), server_class=_ThreadingServer, handler_class=_QuietHandler
        )
    except OSError as error:
        raise UserError(
            f"Cannot listen on {host}:{port} ({error.strerror or error}); choose another with --port."
        ) from None


def serve_in_thread(server: WSGIServer) -> threading.Thread:
    """Serve on a daemon thread (tests, and embedding beside another server)."""
    thread = threading.Thread(target=server.serve_forever, name="hub-metrics", daemon=True)
    thread.start()
    return thread
