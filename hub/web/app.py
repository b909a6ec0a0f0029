"""`create_app(settings)`: the web application, put together from its parts.

Assets from the npm install (`hub.web.assets`) under `/assets/`, the sign-in routes, one router per area
of pages, the GOV.UK error pages, and the security middleware around all of it. The store is opened once
and shared by every request (SQLAlchemy's pool); roles.yaml is read again whenever it changes.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from hub.settings import HubSettings
from hub.store.home import open_store
from hub.web import signin
from hub.web.api.app import PREFIX as API_PREFIX
from hub.web.api.app import create_api
from hub.web.assets import Assets, ensure_assets
from hub.web.errors import install_error_pages
from hub.web.pages import (
    audit,
    break_glass_request,
    decision,
    inbox,
    insight,
    manager,
    refer,
    referral,
    reviews,
    start,
)
from hub.web.rendering import Pages
from hub.web.security import SecurityMiddleware
from hub.web.web_sessions import CookiePolicy


class _Folders(StaticFiles):
    """Files from several folders under one prefix, first match wins (no directory listings, no symlinks out)."""

    def __init__(self, folders: list[Path]) -> None:
        super().__init__(directory=folders[0])
        self.all_directories = [str(folder) for folder in folders]


def settle_long_lived_objects() -> None:
    """Move what start-up made (modules, templates, the store's engine) out of the garbage collector's sight.

    Python's collector periodically walks every tracked object; a page of 1,500 rows triggers a full
    walk about once in ten requests, and walking start-up's ~200,000 objects took about 120 ms on the
    2-core test machine: most of the referral page's p95. `gc.freeze()` (the documented idiom for
    long-running servers) leaves those objects out of every later walk; they live as long as the
    process anyway. Objects made by requests are collected as before.
    """
    gc.collect()
    gc.freeze()


def create_app(settings: HubSettings, *, assets: Assets | None = None, cookies: CookiePolicy | None = None) -> FastAPI:
    """The application for this `$HUB_HOME`; `assets` installs (once per machine) if not given.

    `cookies` is `CookiePolicy(secure=False)` only for a server bound to loopback over plain HTTP (see there).
    """
    assets = assets or ensure_assets()
    store = open_store(settings)
    pages = Pages(assets.version)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        settle_long_lived_objects()
        yield
        store.close()

    app = FastAPI(
        title="MASH Hub", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan, redirect_slashes=False
    )
    app.state.settings = settings
    app.state.store = store
    app.state.pages = pages
    app.state.cookies = cookies or CookiePolicy()
    app.state.assets = assets
    app.mount("/assets", _Folders(assets.served_folders()), name="assets")
    app.mount(API_PREFIX, create_api(settings, store), name="api")
    for router in (
        signin.router,
        start.router,
        inbox.router,
        audit.router,
        referral.router,
        reviews.router,
        manager.router,
        break_glass_request.router,
        decision.router,
        insight.router,
        refer.router,
    ):
        app.include_router(router)
    install_error_pages(app, pages)
    app.add_middleware(SecurityMiddleware, asset_version=assets.version, render_error=pages.render_error)
    return app
