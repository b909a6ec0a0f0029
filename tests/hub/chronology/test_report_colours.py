"""The family history report's colours are GOV.UK Frontend's, read from the installed package (issue 14).

No stylesheet of the report writes a colour: each is a custom property the installed govuk-frontend
defines, inlined into the single-file report, so a new version in web/package-lock.json changes the
report with no edit; and the report stays small (the package's colours, not its whole stylesheet).
"""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path

import pytest

from hub.chronology.assembly import assemble
from hub.chronology.family_history import build
from hub.chronology.report import REQUIRED_COLOURS, WARNING_COLOUR, package_colours, render_html
from hub.frontend import GOVUK_STYLESHEET, installed_packages
from tests.hub.builders import ASSEMBLED_AT, example_referral, household_replies
from tests.hub.chronology.test_report_reading import AGENCIES, NOW

TEMPLATES = files("hub.chronology") / "templates"
HAND_COPIED = re.compile(r"#[0-9a-fA-F]{3,8}\b|\brgba?\(|\bhsla?\(")
USED = re.compile(r"var\((--[\w-]+)")


def stylesheets() -> dict[str, str]:
    return {name: (TEMPLATES / name).read_text(encoding="utf-8") for name in ("report.css", "print.css.j2")}


def report() -> str:
    referral = example_referral()
    history = build(referral, assemble(referral, household_replies(), assembled_at=ASSEMBLED_AT), AGENCIES, now=NOW)
    return render_html(history, produced_by="user:test")


@pytest.mark.parametrize("name", ["report.css", "print.css.j2"])
def test_no_colour_is_copied_by_hand(name: str) -> None:
    css = re.sub(r"/\*.*?\*/", "", stylesheets()[name], flags=re.DOTALL)
    assert not HAND_COPIED.findall(css), f"{name} writes a colour itself"


def test_every_colour_the_stylesheets_use_is_one_the_report_defines() -> None:
    used = {name for css in stylesheets().values() for name in USED.findall(css)}
    assert used == {*REQUIRED_COLOURS, WARNING_COLOUR}
    html = report()
    for name in used:
        assert re.search(rf"{name}:(#[0-9a-fA-F]{{3,8}}|var\()", html), f"the report does not define {name}"


def test_the_colours_are_the_installed_packages() -> None:
    package = (installed_packages(say=lambda _: None) / GOVUK_STYLESHEET).read_text(encoding="utf-8")
    version = re.search(r'--govuk-frontend-version:"([^"]+)"', package)
    assert version is not None
    html = report()
    assert f"GOV.UK Frontend {version.group(1)}'s colours" in html
    for name in REQUIRED_COLOURS:
        value = re.search(rf"{name}:([^;}}]+)", package)
        assert value is not None and f"{name}:{value.group(1)}" in html
    orange = re.search(r"\.govuk-tag--orange\{[^}]*?(?<![-\w])color:([^;}]+)", package)
    assert orange is not None and f"{WARNING_COLOUR}:{orange.group(1)}" in html
    assert "@media print{:root{--govuk-text-colour:" in html  # GOV.UK prints text black
    assert len(html.encode()) < 20_000, "the report carries the package's colours, not its whole stylesheet"


def fake_package(folder: Path, error: str, *, orange: bool = True) -> Path:
    stylesheet = folder / GOVUK_STYLESHEET
    stylesheet.parent.mkdir(parents=True)
    declarations = ";".join(f"{name}:#111111" for name in REQUIRED_COLOURS if name != "--govuk-error-colour")
    tag = ".govuk-tag--orange{color:#222222;background-color:#333333}" if orange else ""
    stylesheet.write_text(
        f':root{{--govuk-frontend-version:"9.9.9";--govuk-error-colour:{error};{declarations}}}'
        '.govuk-body{content:"}{"}@media (min-width:40em){:root{--govuk-error-colour:#000}}'
        f"@media print{{:root{{--govuk-text-colour:#000}}}}{tag}",
        encoding="utf-8",
    )
    return folder


def test_a_new_version_of_the_package_changes_the_colours_with_no_edit(tmp_path: Path) -> None:
    css = package_colours(fake_package(tmp_path, "#abcdef"))
    assert "GOV.UK Frontend 9.9.9's colours" in css and "--govuk-error-colour:#abcdef" in css
    assert f"{WARNING_COLOUR}:#222222" in css and "@media print{:root{--govuk-text-colour:#000}}" in css
    assert "#000}" not in css.split("@media print")[0], "a :root inside another @media is not the screen's"


def test_a_package_without_a_colour_the_report_needs_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match=WARNING_COLOUR):
        package_colours(fake_package(tmp_path, "#abcdef", orange=False))
