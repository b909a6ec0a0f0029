"""Serving the application with uvicorn on a socket the hub binds itself, so it can say the real address.

uvicorn's own access log is off: it prints each request's path and query string, and a query can carry an
identity provider's authorization code. The application logs every request itself, by route template
(`hub.web.security`).
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import uvicorn

from hub.errors import UserError
from hub.observability.logs import configure_logging
from hub.settings import HubSettings
from hub.web.app import create_app
from hub.web.assets import ensure_assets
from hub.web.web_sessions import CookiePolicy


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on (host, port); a `UserError` saying what to do if the port is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise UserError(
            f"Cannot listen on {host}:{port} ({error.strerror or error}); choose another with --port, "
            "or stop whatever is using it."
        ) from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def address(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def serve(settings: HubSettings, *, host: str, port: int, plain_http_cookies: bool, say: Callable[[str], None]) -> None:
    """Serve the application until interrupted, after saying where."""
    if plain_http_cookies and not is_loopback(host):
        raise UserError(
            "--plain-http-cookies is only for a server on this machine alone: use it with --host 127.0.0.1."
        )
    assets = ensure_assets(say=say)
    app = create_app(settings, assets=assets, cookies=CookiePolicy(secure=not plain_http_cookies))
    configure_logging(default_format="json", default_level="INFO")  # HUB_LOG_FORMAT=text for people
    sock = bind(host, port)
    say(f"MASH Hub is at {address(sock)} (Ctrl-C to stop).")
    if not is_loopback(host):
        say("Serve it to other computers only behind a proxy that terminates HTTPS: its cookies are HTTPS-only.")
    config = uvicorn.Config(app, access_log=False, log_level="warning", proxy_headers=True, server_header=False)
    uvicorn.Server(config).run(sockets=[sock])


@contextmanager
def serving_in_background(settings: HubSettings, *, port: int, say: Callable[[str], None]) -> Iterator[str]:
    """The application on loopback in a thread of this process, for as long as the block lasts; yields its address.

    For `hub demo`, which runs Airflow and the sandboxes in the foreground meanwhile. `port` is tried first and,
    if taken, a free one is used instead (the address is printed either way). Production cookies (Secure,
    `__Host-`): browsers keep them on http://127.0.0.1.
    """
    assets = ensure_assets(say=say)
    app = create_app(settings, assets=assets)
    try:
        sock = bind("127.0.0.1", port)
    except UserError:
        sock = bind("127.0.0.1", 0)
    config = uvicorn.Config(app, access_log=False, log_level="warning", server_header=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="hub-web", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise UserError("The web application did not start; run `hub web up` to see why.")
        time.sleep(0.05)
    try:
        yield address(sock)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()
