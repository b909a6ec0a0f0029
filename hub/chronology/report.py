"""Render a family history for a terminal (rich) and as a self-contained HTML file (Jinja2)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from datetime import datetime
from importlib.resources import files
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from rich.console import Console
from rich.table import Table
from rich.text import Text

from hub.chronology.check_states import STATE_TONES, state_class
from hub.chronology.family_history import FamilyHistory, no_concerns_words
from hub.frontend import GOVUK_STYLESHEET, installed_packages
from hub.settings import write_private
from hub.terminal import shown

_templates = Environment(
    loader=PackageLoader("hub.chronology", "templates"), autoescape=select_autoescape(["html", "j2"]), trim_blocks=True
)
_templates.filters["check_class"] = state_class

PROTECTIVE_MARKING = "OFFICIAL-SENSITIVE"
"""The Government Security Classification every copy of a family history carries, on every page."""
HANDLING = "children's safeguarding information. Share only under the lawful basis recorded."
STRATEGY_DISCUSSION = "a strategy discussion"
"""What an exported history is prepared for, unless the exporter says otherwise."""


_FREQUENCY_NOTE = re.compile(r" \((?:an uncommon|a common) name, so it counts for (?:more|less)\)")


def _brief(evidence: str) -> str:
    """Evidence for a terminal: without the notes on how common a name is (the HTML report keeps them)."""
    return _FREQUENCY_NOTE.sub("", evidence)


def _line(*parts: str | Text) -> Text:
    """A line joining fixed wording (markup allowed, ours) with stored values (already `shown`)."""
    return Text.assemble(*(Text.from_markup(part) if isinstance(part, str) else part for part in parts))


TONE_STYLES = {"alert": "bold red", "warning": "yellow", "found": "bold", "clear": ""}
STATE_STYLES = {state.value: TONE_STYLES[tone] for state, tone in STATE_TONES.items()}
"""The terminal's style for each check state, from the same tones the HTML report's classes come from."""


def _check_cell(history: FamilyHistory, subject_id: str, agency: str) -> Text:
    cell = history.checks.get(subject_id, {}).get(agency)
    if cell is None:
        return Text("")
    text = shown(cell.words)
    text.stylize(STATE_STYLES.get(cell.state, ""))
    return text


def print_family_history(history: FamilyHistory, console: Console) -> None:
    console.rule(_line("[bold]Family history for referral ", shown(history.referral_id)))
    console.print(
        _line(
            f"Received {history.received_at:%d %b %Y %H:%M} from ",
            shown(history.referrer),
            f". RAG: [bold]{history.rag}[/]. Concerns: {', '.join(history.concerns)}.",
        )
    )

    if history.re_referral:
        console.print(shown(history.re_referral), style="bold red")

    print_key_concerns(history, console)

    household = Table(title="Household", title_justify="left", expand=False)
    for column in ("Id", "Name", "Role", "Born"):
        household.add_column(column)
    for member in history.household:
        household.add_row(shown(member.subject_id), shown(member.name), member.role, member.birth_date)
    console.print(household)

    if history.relationships:
        graph = Table(title="Household relationships", title_justify="left", expand=False)
        for column in ("Person", "Is", "Of", "Who says so"):
            graph.add_column(column)
        for edge in history.relationships:
            graph.add_row(shown(edge.person), edge.relationship, shown(edge.of), shown(edge.stated_by))
        console.print(graph)

    if history.imported:  # no check was made: one sentence says so, never a grid of "not asked"
        console.print(_line("[bold]Agency checks:[/] ", " ".join(history.gaps)))
    else:
        _print_checks(console, history)
    for note in history.set_aside:
        console.print(_line("[bold yellow]Left out as unusable:[/] ", shown(note)))

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
            evidence = shown(prior_row.evidence)
            if prior_row.why_review:
                evidence.append_text(_line("\n[italic]Why review: [/]", shown(prior_row.why_review)))
            prior.add_row(
                shown(prior_row.person),
                shown(prior_row.earlier_referral),
                prior_row.received,
                prior_row.outcome,
                evidence,
            )
        console.print(prior)

    if history.links:
        links = Table(title="Identity links: which agency records are this household's, and why", title_justify="left")
        for column, width in (("Person", 22), ("Agency record", 18), ("Decision", 22), ("Evidence", 60)):
            links.add_column(column, max_width=width, overflow="fold")
        for link in history.links:
            evidence = shown(link.evidence)
            if link.why_review:
                evidence.append_text(_line("\n[italic]Why review: [/]", shown(link.why_review)))
            links.add_row(
                shown(link.person),
                shown(link.label),
                f"{link.outcome} ({link.probability})",
                evidence,
            )
        console.print(links)

    if history.returned is not None:
        print_returned(history, console)

    if not history.children:
        console.print("[yellow]No chronology has been assembled for this referral yet.[/]")
    for child in history.children:
        partial = " [bold yellow]PARTIAL: some checks have no final answer yet[/]" if child.partial else ""
        table = Table(
            title=_line(
                "Chronology: ",
                shown(child.name),
                f" (version {child.version}, assembled {child.assembled_at:%d %b %Y %H:%M}){partial}",
            ),
            title_justify="left",
            show_lines=True,
        )
        for column, width in (("Date", 12), ("Event", 18), ("What happened", 48), ("Source", 18), ("People", 30)):
            table.add_column(column, max_width=width, overflow="fold")
        for row in child.rows:
            people = shown(row.people)
            if row.through:
                people.append_text(_line("\n[italic]through [/]", shown(row.through)))
            event = Text(row.category)
            if row.highlight:
                event.append_text(Text("\n" + row.highlight, style=HIGHLIGHT_STYLES.get(row.significance, "")))
            table.add_row(row.when, event, shown(row.summary), shown(row.source), people)
        if not child.rows:
            table.add_row("", "", empty_chronology_words(history), "", "")
        console.print(table)


HIGHLIGHT_STYLES = {"high": "bold red", "medium": "yellow"}
"""The terminal's style for a marked entry and a key concern, by significance (the report's classes match)."""


def print_key_concerns(history: FamilyHistory, console: Console) -> None:
    """ "Key concerns", first after the referral: each with what was found and its sources, then the suggestion."""
    console.print("[bold]Key concerns[/]")
    if not history.key_concerns:
        console.print(no_concerns_words(history), style="" if history.checks_complete else "yellow")
    for concern in history.key_concerns:
        style = HIGHLIGHT_STYLES.get(concern.significance, "")
        console.print(_line(f"[{style}]{concern.tag}:[/] ", shown(concern.label), " - ", shown(concern.detail)))
        for source in concern.sources:
            console.print(_line("    ", shown(source.words)))
    if history.key_concerns and not history.checks_complete:
        console.print("There may be more: not every check has answered.", style="yellow")
    console.print(shown(history.suggestion), style="italic")


def print_returned(history: FamilyHistory, console: Console) -> None:
    """The records agencies returned that are not linked to the person checked (`--returned`)."""
    if not history.returned:
        console.print("No agency returned a record that is not linked to the person checked.")
        return
    table = Table(
        title="Records agencies returned that are not linked (left out of the chronologies)", title_justify="left"
    )
    for column, width in (("Returned for", 18), ("Agency record", 16), ("Held as", 30), ("Decision", 20)):
        table.add_column(column, max_width=width, overflow="fold")
    table.add_column("Evidence", max_width=50, overflow="fold")
    for row in history.returned:
        held = shown(row.name)
        held.append_text(_line("\nborn ", shown(row.born), "; sex ", shown(row.sex), "\naddress ", shown(row.address)))
        evidence = shown(_brief(row.evidence))
        if row.why:
            evidence.append_text(_line("\n[italic]Why: [/]", shown(row.why)))
        table.add_row(shown(row.checked_for), shown(row.label), held, row.decision, evidence)
    console.print(table)


def empty_chronology_words(history: FamilyHistory) -> str:
    """What an empty chronology means: an all-clear only when every check answered "no record"."""
    if history.all_clear:
        return "No agency holds records about this child or the household adults."
    return "No records are linked to this child so far, but not every check has answered: see 'Not yet known' above."


def css_string(value: str) -> str:
    """`value` as a quoted CSS string with everything but letters, digits and spaces escaped.

    The print stylesheet names the referral in every page's header; escaped like this no stored
    value can close the string, the rule or the `<style>` element it sits in.
    """
    return '"' + "".join(char if char.isalnum() or char == " " else f"\\{ord(char):x} " for char in value) + '"'


def render_html(
    history: FamilyHistory,
    *,
    produced_by: str = "",
    produced_at: datetime | None = None,
    prepared_for: str = STRATEGY_DISCUSSION,
) -> str:
    """The history as one self-contained HTML page: the screen view, and a print view with a cover page.

    The print stylesheet (`print.css.j2`) is the PDF's too (`hub.chronology.pdf`), so printing the
    report from a browser gives what the PDF export gives. `produced_at` defaults to when the history
    was read; `produced_by` is whoever asked for it (the audit trail's actor).
    """
    print_css = _templates.get_template("print.css.j2").render(
        # CSS-escaped, so marked safe: HTML escaping would break the CSS strings.
        marking=Markup(css_string(PROTECTIVE_MARKING)),  # noqa: S704
        referral=Markup(css_string(history.referral_id)),  # noqa: S704
    )
    return _templates.get_template("family_history.html.j2").render(
        history=history,
        empty_chronology=empty_chronology_words(history),
        no_concerns=no_concerns_words(history),
        report_css=package_colours() + "\n" + _STYLESHEET,
        print_css=print_css,
        marking=PROTECTIVE_MARKING,
        handling=HANDLING,
        produced_by=produced_by or "not recorded",
        produced_at=produced_at or history.read_at,
        prepared_for=prepared_for,
    )


_STYLESHEET = (files("hub.chronology") / "templates" / "report.css").read_text(encoding="utf-8")

WARNING_COLOUR = "--hub-warning-colour"
"""The one colour the report needs that GOV.UK Frontend has no custom property for: amber, for a check to
chase and an AMBER rating. It is the text colour of GOV.UK's orange tag, which GOV.UK chose to be legible
on white."""
REQUIRED_COLOURS = (
    "--govuk-text-colour",
    "--govuk-error-colour",
    "--govuk-success-colour",
    "--govuk-border-colour",
    "--govuk-surface-background-colour",
)
"""The package's custom properties report.css and print.css.j2 use (tests check the two lists agree)."""


def package_colours(node_modules: Path | None = None) -> str:
    """GOV.UK Frontend's colours as CSS custom properties, read from the installed package's stylesheet.

    The report is one file that works offline, so it cannot link GOV.UK's stylesheet, and inlining all of it
    (124 KB, most of it components the report does not use) would bloat every copy. So the report carries
    the package's own colour declarations, about a kilobyte: its `:root` custom properties, screen and
    print (GOV.UK prints text black), and `--hub-warning-colour` from its orange tag. report.css and
    print.css.j2 name only these (`var(--govuk-error-colour)`), so a new govuk-frontend in
    web/package-lock.json changes the report's colours with no edit. `node_modules` defaults to the
    packages installed for the committed lock file (`hub.frontend`: installed once per machine).
    A `RuntimeError` if the stylesheet no longer has what the report needs: a new version to look at.
    """
    return _package_colours((node_modules or installed_packages()) / GOVUK_STYLESHEET)


@functools.cache
def _package_colours(stylesheet: Path) -> str:
    screen: list[str] = []
    printed: list[str] = []
    version = warning = ""
    for prelude, body in _rules(stylesheet.read_text(encoding="utf-8")):
        if prelude == ":root":
            for name, value in _declarations(body):
                if name == "--govuk-frontend-version":
                    version = value.strip('"')
                elif name.startswith("--govuk-") and name.endswith("-colour"):
                    screen.append(f"{name}:{value}")
        elif prelude == "@media print":
            printed += [
                f"{name}:{value}"
                for inner, inner_body in _rules(body)
                if inner == ":root"
                for name, value in _declarations(inner_body)
                if name.endswith("-colour")
            ]
        elif prelude == ".govuk-tag--orange":
            warning = next((value for name, value in _declarations(body) if name == "color"), warning)
    defined = {declaration.partition(":")[0] for declaration in screen}
    missing = [name for name in REQUIRED_COLOURS if name not in defined] + ([] if warning else [WARNING_COLOUR])
    if missing:
        raise RuntimeError(f"{stylesheet} does not define {', '.join(missing)}: see hub.chronology.report")
    lines = [
        f"/* GOV.UK Frontend {version or '(version not stated)'}'s colours, from its installed stylesheet. */",
        ":root{" + ";".join([*screen, f"{WARNING_COLOUR}:{warning}"]) + "}",
    ]
    if printed:
        lines.append("@media print{:root{" + ";".join(printed) + "}}")
    return "\n".join(lines)


def _rules(css: str) -> Iterator[tuple[str, str]]:
    """(prelude, body) of each top-level rule of a stylesheet: braces inside strings and comments skipped."""
    depth, start, prelude_end, index = 0, 0, 0, 0
    while index < len(css):
        char = css[index]
        if char in "\"'":
            index = css.find(char, index + 1)
            if index < 0:
                return
        elif css.startswith("/*", index):
            index = css.find("*/", index + 2) + 1
            if index <= 0:
                return
        elif char == "{":
            if depth == 0:
                prelude_end = index
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                yield css[start:prelude_end].strip(), css[prelude_end + 1 : index]
                start = index + 1
        elif char == ";" and depth == 0:  # a statement such as @charset
            start = index + 1
        index += 1


def _declarations(body: str) -> Iterator[tuple[str, str]]:
    for declaration in body.split(";"):
        name, colon, value = declaration.partition(":")
        if colon and name.strip():
            yield name.strip(), value.strip()


def write_html(history: FamilyHistory, path: Path, *, produced_by: str = "") -> Path:
    """A family history is personal data: the file is owner-only (0600) from its first byte, and never half-written."""
    return write_private(path, render_html(history, produced_by=produced_by).encode("utf-8"))


def _print_checks(console: Console, history: FamilyHistory) -> None:
    """The agency checks as a grid of person by agency, then what the history cannot say yet."""
    checks = Table(title="Agency checks", title_justify="left")
    checks.add_column("Person")
    for agency in history.agencies:
        checks.add_column(agency)
    names = {member.subject_id: member.name for member in history.household}
    for subject_id in history.checks:
        cells = (_check_cell(history, subject_id, agency) for agency in history.agencies)
        checks.add_row(shown(names.get(subject_id, subject_id)), *cells)
    console.print(checks)
    for gap in history.gaps:
        console.print(_line("[bold red]Not yet known:[/] ", shown(gap)))
