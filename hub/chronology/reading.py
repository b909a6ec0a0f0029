"""A referral's latest family history, read from the store and shown: every read is audited."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from hub.errors import UserError
from hub.settings import HubSettings

PRACTITIONER_PURPOSE = "practitioner_view"


def show_history(
    settings: HubSettings, referral_id: str, *, actor: str, console: Console, html: Path | None = None
) -> None:
    """Print the latest family history, and write it as HTML when asked; every read is audited."""
    from hub.agencies import load_registry
    from hub.chronology.family_history import build
    from hub.chronology.report import print_family_history, write_html
    from hub.store.home import open_store

    store = open_store(settings)
    if not store.referral_exists(referral_id):
        raise UserError(f"No referral with id '{referral_id}' in {settings.home}. Check the id, or set HUB_HOME.")
    referral = store.load_referral(referral_id, actor=actor, purpose=PRACTITIONER_PURPOSE)
    chronologies = store.latest_chronologies(referral_id, actor=actor, purpose=PRACTITIONER_PURPOSE)
    history = build(referral, chronologies, load_registry(settings).ids)
    print_family_history(history, console)
    if html is not None:
        console.print(f"HTML report written to [bold]{write_html(history, html)}[/]")
