"""Render a family history for a terminal (rich) and as a self-contained HTML file (Jinja2)."""

from __future__ import annotations

import re
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from rich.console import Console
from rich.table import Table

from hub.chronology.family_history import FamilyHistory

_templates = Environment(
    loader=PackageLoader("hub.chronology", "templates"), autoescape=select_autoescape(["html", "j2"]), trim_blocks=True
)


_FREQUENCY_NOTE = re.compile(r" \((?:an uncommon|a common) name, so it counts for (?:more|less)\)")


def _brief(evidence: str) -> str:
    """Evidence for a terminal: without the notes on how common a name is (the HTML report keeps them)."""
    return _FREQUENCY_NOTE.sub("", evidence)


def print_family_history(history: FamilyHistory, console: Console) -> None:
    console.rule(f"[bold]Family history for referral {history.referral_id}")
    console.print(
        f"Received {history.received_at:%d %b %Y %H:%M} from {history.referrer}. RAG: [bold]{history.rag}[/]. "
        f"Concerns: {', '.join(history.concerns)}."
    )

    if history.re_referral:
        console.print(f"[bold red]{history.re_referral}[/]")

    household = Table(title="Household", title_justify="left", expand=False)
    for column in ("Id", "Name", "Role", "Born"):
        household.add_column(column)
    for member in history.household:
        household.add_row(member.subject_id, member.name, member.role, member.birth_date)
    console.print(household)

    if history.relationships:
        graph = Table(title="Household relationships", title_justify="left", expand=False)
        for column in ("Person", "Is", "Of", "Who says so"):
            graph.add_column(column)
        for edge in history.relationships:
            graph.add_row(edge.person, edge.relationship, edge.of, edge.stated_by)
        console.print(graph)

    checks = Table(title="Agency checks", title_justify="left")
    checks.add_column("Person")
    for agency in history.agencies:
        checks.add_column(agency)
    names = {member.subject_id: member.name for member in history.household}
    for subject_id, statuses in history.checks.items():
        checks.add_row(names.get(subject_id, subject_id), *(statuses.get(agency, "") for agency in history.agencies))
    console.print(checks)

    if history.prior_referrals:
        prior = Table(title="Earlier referrals to the hub about these people", title_justify="left")
        for column, width in (
            ("Person", 22),
            ("Earlier referral", 24),
            ("Received", 12),
            ("Decision", 22),
            ("Evidence", 50),
        ):
            prior.add_column(column, max_width=width, overflow="fold")
        for prior_row in history.prior_referrals:
            why = f"\n[italic]Why review: {prior_row.why_review}[/]" if prior_row.why_review else ""
            prior.add_row(
                prior_row.person,
                prior_row.earlier_referral,
                prior_row.received,
                prior_row.outcome,
                f"{prior_row.evidence}{why}",
            )
        console.print(prior)

    if history.links:
        links = Table(title="Identity links: which agency records are this household's, and why", title_justify="left")
        for column, width in (("Person", 22), ("Agency record", 18), ("Decision", 22), ("Evidence", 60)):
            links.add_column(column, max_width=width, overflow="fold")
        for link in history.links:
            evidence = (
                f"{link.evidence}\n[italic]Why review: {link.why_review}[/]" if link.why_review else link.evidence
            )
            links.add_row(link.person, f"{link.agency} {link.record}", f"{link.outcome} ({link.probability})", evidence)
        console.print(links)

    if not history.children:
        console.print("[yellow]No chronology has been assembled for this referral yet.[/]")
    for child in history.children:
        table = Table(
            title=f"Chronology: {child.name} (version {child.version}, assembled {child.assembled_at:%d %b %Y %H:%M})",
            title_justify="left",
            show_lines=True,
        )
        for column, width in (("Date", 12), ("Event", 18), ("What happened", 48), ("Source", 18), ("People", 30)):
            table.add_column(column, max_width=width, overflow="fold")
        for row in child.rows:
            people = f"{row.people}\n[italic]through {row.through}[/]" if row.through else row.people
            table.add_row(row.when, row.category, row.summary, row.source, people)
        if not child.rows:
            table.add_row("", "", "No agency holds records about this child or the household adults.", "", "")
        console.print(table)


def write_html(history: FamilyHistory, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    html = _templates.get_template("family_history.html.j2").render(history=history)
    path.write_text(html, encoding="utf-8")
    path.chmod(0o600)
    return path
