"""A family history as a PDF for a strategy discussion (WeasyPrint).

The PDF is the HTML report laid out on paper by its print stylesheet, the same one a browser uses
when the report is printed: a cover page (referral, subjects, when and by whom it was produced, the
protective marking, what it was prepared for), the marking at the top and bottom of every page,
"Page N of M", table headers repeated on every page a table spans, and no row split across pages.

Nothing here knows of a terminal or a web request: history in, bytes out. The CLI writes the bytes
to a private file (`hub chronology export`); the web application will send them. Whoever calls it
has already read the history through the access guard, and records the export in the audit trail
(`HubStore.record_history_export`).

The PDF's metadata says no more than its pages: its title is the referral's reference (never a
child's name), and it has no author, subject or keywords, since viewers and search indexes show
those without opening the document.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import NoReturn

from hub.chronology.family_history import FamilyHistory
from hub.chronology.report import PROTECTIVE_MARKING, STRATEGY_DISCUSSION, render_html

_QUIET_LOGGERS = ("weasyprint", "fontTools")
"""WeasyPrint logs CSS it ignores and fonts it subsets; some of those messages quote the document."""


def history_pdf(
    history: FamilyHistory,
    *,
    produced_by: str,
    produced_at: datetime | None = None,
    prepared_for: str = STRATEGY_DISCUSSION,
) -> bytes:
    """The history as a PDF's bytes; `produced_by` (who asked for it) and `produced_at` go on the cover.

    `produced_at` defaults to when the history was read; `prepared_for` completes "Prepared for ...".
    """
    html = render_html(history, produced_by=produced_by, produced_at=produced_at, prepared_for=prepared_for)
    title = f"Family history {history.referral_id} ({PROTECTIVE_MARKING})"
    return self_contained_pdf(html, title=title, produced_at=produced_at or history.read_at)


def self_contained_pdf(html: str, *, title: str, produced_at: datetime) -> bytes:
    """A report's HTML laid out by its print stylesheet, as a PDF's bytes: fetching nothing, logging nothing.

    The one way the hub makes a PDF (the family history, the subject access report): WeasyPrint may load no
    file or address the document names, its own log messages (which can quote the document) are silenced
    while it works, and the metadata holds only `title` (which must name ids, never a person), the generator
    and `produced_at`.
    """
    from weasyprint import HTML  # type: ignore[import-untyped]  # WeasyPrint ships no type hints

    with _quiet():
        document = HTML(string=html, base_url=None, media_type="print", url_fetcher=_fetch_nothing).render()
        metadata = document.metadata
        metadata.title = title
        metadata.authors = []
        metadata.description = None
        metadata.keywords = []
        metadata.generator = "MASH Hub"
        metadata.created = metadata.modified = produced_at.isoformat(timespec="seconds")
        written = document.write_pdf()
    if not isinstance(written, bytes):  # only None, when given a target to write to
        raise TypeError("WeasyPrint returned no PDF")
    return written


def _fetch_nothing(url: str, *args: object, **kwargs: object) -> NoReturn:
    """The report is self-contained: the PDF is never made from a file or an address it names."""
    raise ValueError("a report made into a PDF fetches nothing")


@contextmanager
def _quiet() -> Iterator[None]:
    """WeasyPrint's warnings off while it works: some quote the document, and logs hold no personal data."""
    previous = {name: logging.getLogger(name).level for name in _QUIET_LOGGERS}
    try:
        for name in _QUIET_LOGGERS:
            logging.getLogger(name).setLevel(logging.CRITICAL)
        yield
    finally:
        for name, level in previous.items():
            logging.getLogger(name).setLevel(level)
