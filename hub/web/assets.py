"""The front-end packages the web application serves: GOV.UK Frontend, MoJ Frontend (and axe-core for the tests).

They are installed by npm into a cache once per machine and lock file (`hub.frontend`, which says why like
that); this module adds what serving them needs: where each package's files are, the folders served under
`/assets/`, and a version for asset URLs that changes whenever a served file may have.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hub.frontend import CACHE_ENV, PACKAGE_FOLDER, cache_root, digest, installed_packages, lock_digest, lock_file

__all__ = [
    "CACHE_ENV",
    "PACKAGE_FOLDER",
    "STATIC_FOLDER",
    "Assets",
    "assets_version",
    "cache_root",
    "ensure_assets",
    "lock_file",
]

STATIC_FOLDER = Path(__file__).resolve().parent / "static"
"""The hub's own scripts (no inline script is allowed by the Content-Security-Policy)."""


@dataclass(frozen=True)
class Assets:
    """An installed `node_modules` folder, and the paths the application serves from it."""

    node_modules: Path
    version: str
    """Changes whenever any served file may have changed (the lock, or the hub's own scripts): asset URLs
    carry it, so a long cache lifetime never serves an old file."""

    @property
    def govuk(self) -> Path:
        """`govuk-frontend/dist/govuk`: the compiled CSS and JavaScript, and `assets/` (fonts, images)."""
        return self.node_modules / "govuk-frontend" / "dist" / "govuk"

    @property
    def moj(self) -> Path:
        """`@ministryofjustice/frontend/moj`: the compiled CSS and JavaScript, and `assets/` (images)."""
        return self.node_modules / "@ministryofjustice" / "frontend" / "moj"

    @property
    def axe(self) -> Path:
        """axe-core's script, for the browser tests to inject (never served to users)."""
        return self.node_modules / "axe-core" / "axe.min.js"

    def served_folders(self) -> list[Path]:
        """Folders served under `/assets/`, first match wins.

        Both stylesheets ask for `/assets/fonts/...` and `/assets/images/...` (their default asset path), so
        each package's `assets/` folder is served at `/assets/` itself; the compiled files sit one level up.
        """
        return [STATIC_FOLDER, self.govuk / "assets", self.moj / "assets", self.govuk, self.moj.parent]


def assets_version(lock: str) -> str:
    own = sorted(path for path in STATIC_FOLDER.rglob("*") if path.is_file())
    return hashlib.sha256((lock + digest(*own)).encode("ascii")).hexdigest()[:16]


def ensure_assets(*, say: Callable[[str], None] | None = None, environ: dict[str, str] | None = None) -> Assets:
    """The installed packages for the committed lock file, installing them first if this machine has not.

    `say` hears progress (by default a line on stderr). A `UserError`, one line saying what to do, if npm
    cannot install them (most often: the npm registry cannot be reached).
    """
    node_modules = installed_packages(say=say, environ=environ)
    return Assets(node_modules, assets_version(lock_digest()))
