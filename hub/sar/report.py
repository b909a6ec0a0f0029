"""The subject access report for IG: one self-contained HTML page, and the same laid out as a PDF.

Rendered from the bundle (`hub.sar.bundle`), so the report and the JSON never disagree. The page
carries GOV.UK Frontend's colours (read from the installed package, as the family history report
does) and needs nothing else: it opens offline, from the file IG is sent. Printing it from a browser
gives what the PDF gives (the print stylesheet is the PDF's): a cover page with the request id, who ran
it, when and the counts; the protective marking and "Page N of M" on every page.

The PDF's metadata says no more than the request id: no name, no NHS number (viewers and search
indexes show metadata without opening the document).
"""

from __future__ import annotations

from datetime import tzinfo
from importlib.resources import files

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from hub.chronology.pdf import self_contained_pdf
from hub.chronology.report import PROTECTIVE_MARKING, css_string, package_colours
from hub.sar.bundle import SubjectAccessBundle

HANDLING = (
    "personal data about the requester and others, for information governance to review. Disclose only what "
    "review releases, after redaction."
)
IDENTIFIER_WORDS = {
    "nhs_number": "NHS number",
    "upn": "UPN",
    "police_nominal_id": "Police nominal",
    "housing_reference": "Housing ref.",
}
_STYLESHEET = (files("hub.sar") / "templates" / "subject_access.css").read_text(encoding="utf-8")


def _environment(zone: tzinfo) -> Environment:
    templates = Environment(
        loader=PackageLoader("hub.sar", "templates"), autoescape=select_autoescape(["html", "j2"]), trim_blocks=True
    )
    templates.filters["when"] = lambda moment: moment.astimezone(zone).strftime("%d %b %Y %H:%M %Z")
    templates.filters["sentence"] = lambda text: text[:1].upper() + text[1:]
    templates.filters["identifier_words"] = lambda kind: IDENTIFIER_WORDS.get(kind, kind.replace("_", " "))
    return templates


def render_html(bundle: SubjectAccessBundle, zone: tzinfo) -> str:
    """The report as one HTML page; times as the council's clocks show them (`zone`)."""
    templates = _environment(zone)
    print_css = templates.get_template("print.css.j2").render(
        # CSS-escaped, so marked safe: HTML escaping would break the CSS strings.
        marking=Markup(css_string(PROTECTIVE_MARKING)),  # noqa: S704
        request=Markup(css_string(bundle.request_id)),  # noqa: S704
    )
    return templates.get_template("subject_access.html.j2").render(
        bundle=bundle,
        report_css=package_colours() + "\n" + _STYLESHEET,
        print_css=print_css,
        marking=PROTECTIVE_MARKING,
        handling=HANDLING,
    )


def render_pdf(html: str, bundle: SubjectAccessBundle) -> bytes:
    """The report's HTML (`render_html`) laid out by its print stylesheet, as a PDF's bytes."""
    title = f"Subject access request {bundle.request_id} ({PROTECTIVE_MARKING})"
    return self_contained_pdf(html, title=title, produced_at=bundle.produced_at)
