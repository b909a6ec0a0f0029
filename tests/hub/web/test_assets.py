"""Installing the front-end packages: once per lock file into the cache, and one line when npm cannot."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hub.errors import UserError
from hub.web.assets import CACHE_ENV, STATIC_FOLDER, Assets, ensure_assets, lock_file


def test_the_install_is_keyed_by_the_lock_file_and_reused(web_assets: Assets) -> None:
    said: list[str] = []
    again = ensure_assets(say=said.append)
    assert again == web_assets and said == []  # installed once; nothing to say the second time
    assert (web_assets.node_modules.parent / "package-lock.json").read_bytes() == lock_file().read_bytes()
    assert (web_assets.node_modules.parent / ".complete").exists()
    assert web_assets.axe.exists()


def test_an_unreachable_registry_is_one_line_saying_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("npm_config_registry", "http://127.0.0.1:9/")  # nothing listens on the discard port
    monkeypatch.setenv("npm_config_cache", str(tmp_path / "npm-cache"))  # an empty npm cache: it must fetch
    monkeypatch.setenv("npm_config_fetch_retries", "0")
    said: list[str] = []
    with pytest.raises(UserError) as refusal:
        ensure_assets(say=said.append, environ={CACHE_ENV: str(tmp_path / "assets")})
    message = str(refusal.value)
    assert "\n" not in message
    assert message.startswith("Cannot install the web application's front-end packages: the npm registry could not")
    assert said and said[0].startswith("Installing the web application's front-end packages with npm")
    assert not any(path.name.endswith(".complete") for path in (tmp_path / "assets").rglob("*"))


HAND_COPIED_COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}\b|\brgba?\(|\bhsla?\(")
CUSTOM_PROPERTY = re.compile(r"var\((--[\w-]+)")


@pytest.mark.parametrize("stylesheet", sorted(path.name for path in STATIC_FOLDER.glob("hub/*.css")))
def test_the_hubs_own_stylesheets_take_every_colour_from_gov_uk_frontend(web_assets: Assets, stylesheet: str) -> None:
    """No colour is copied by hand: each is a custom property the installed govuk-frontend defines, so a new
    version in web/package-lock.json recolours the pages with no edit (tints are mixed from them)."""
    css = re.sub(r"/\*.*?\*/", "", (STATIC_FOLDER / "hub" / stylesheet).read_text(encoding="utf-8"), flags=re.S)
    assert not HAND_COPIED_COLOUR.findall(css), f"{stylesheet} writes a colour itself"
    package = (web_assets.govuk / "govuk-frontend.min.css").read_text(encoding="utf-8")
    for name in CUSTOM_PROPERTY.findall(css):
        assert f"{name}:" in package, f"{stylesheet} uses {name}, which GOV.UK Frontend does not define"
