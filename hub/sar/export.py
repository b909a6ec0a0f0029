"""`hub sar export`'s work: gather, render, then write the three files, owner-only, named by the request id.

Everything is gathered and rendered in memory first and written last, each file atomically
(`write_private`), so a request refused as bad input writes nothing, and a failure part-way leaves no
half-written file. The folder is `$HUB_HOME/reports/sar/<request id>/` unless IG names another; no file
or folder name carries an NHS number or a name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path

from hub.errors import UserError
from hub.sar.bundle import SubjectAccessBundle
from hub.sar.gather import gather
from hub.sar.processing import Setting
from hub.sar.report import render_html, render_pdf
from hub.sar.request import SubjectAccessRequest
from hub.settings import HubSettings, write_private
from hub.store import HubStore


@dataclass(frozen=True)
class Exported:
    bundle: SubjectAccessBundle
    files: list[Path]


def default_folder(settings: HubSettings, request_id: str) -> Path:
    return settings.reports_dir / "sar" / request_id


def setting_from(settings: HubSettings, retention: Callable[[str], str] | None = None) -> Setting:
    """The agencies', decisions' and purposes' words from the hub's configuration (each file checked as it is read)."""
    from hub.access.roles import load_access_config
    from hub.agencies import registered_agencies
    from hub.decisions.config import load_decisions

    decisions = load_decisions(settings)
    return Setting(
        agencies={agency.id: (agency.name, agency.lawful_basis) for agency in registered_agencies(settings)},
        outcomes=dict(decisions.outcomes),
        levels=dict(decisions.levels),
        purposes=dict(load_access_config(settings).purposes),
        retention=retention,
    )


def export(
    store: HubStore,
    request: SubjectAccessRequest,
    setting: Setting,
    folder: Path,
    *,
    zone: tzinfo,
    pdf: bool = True,
    say: Callable[[str], None] = lambda words: None,
) -> Exported:
    """Gather everything held about the person, and write `<request id>.json`, `.html` and (with `pdf`) `.pdf`.

    `say` hears progress, in counts only.
    """
    if folder.exists() and not folder.is_dir():
        raise UserError(f"{folder} is a file, not a folder: give --out a folder for the request's files")
    say("Gathering what the hub holds (every read is audited) ...")
    bundle = gather(store, request, setting, lambda done, total: say(f"Referral {done} of {total} gathered ..."))
    say(f"Gathered {bundle.counts.referrals} referrals; writing the report ...")
    html = render_html(bundle, zone)
    documents = {".json": bundle.model_dump_json(indent=2).encode("utf-8"), ".html": html.encode("utf-8")}
    if pdf:
        documents[".pdf"] = render_pdf(html, bundle)
    files = [write_private(folder / f"{request.request_id}{suffix}", content) for suffix, content in documents.items()]
    return Exported(bundle, files)


def summary_lines(exported: Exported) -> list[tuple[str, bool]]:
    """What the terminal shows: counts and paths only, nothing about the person; True marks a line to alarm on."""
    bundle, counts, lookup = exported.bundle, exported.bundle.counts, exported.bundle.lookup
    lines = [f"Subject access request {bundle.request_id}"]
    if lookup.by_nhs_number:
        checked = _many(lookup.candidates_checked, "candidate")
        lines.append(f"NHS number: {checked} checked, {_many(lookup.confirmed, 'exact match', 'exact matches')}.")
    if lookup.named:
        lines.append(f"Named by IG: {_many(len(lookup.named), 'referral subject')}.")
    if bundle.nothing_held:
        lines.append("Nothing held: the hub holds no record about this person under the details given.")
    else:
        held = [
            _many(counts.referrals, "referral"),
            _many(counts.agency_replies, "agency reply", "agency replies"),
            _many(counts.chronology_entries, "chronology entry", "chronology entries"),
            _many(counts.decisions, "MASH decision"),
            _many(counts.identity_reviews, "identity review"),
            _many(counts.access_events, "audit trail event"),
        ]
        lines += [
            f"Held: {', '.join(held)}.",
            f"Marked for IG: {counts.to_redact} to redact (third party), {counts.to_review} to review.",
        ]
    shown = [(line, False) for line in lines]
    if counts.unreadable:
        unreadable = _many(counts.unreadable, "record")
        shown.append((f"{unreadable} could not be read: the report names them; see `hub audit verify`.", True))
    shown.append(
        ("Records linked to this person only by name and date of birth are not included (see the report).", False)
    )
    shown.append(("Written (owner-only):", False))
    shown += [(f"  {path}", False) for path in exported.files]
    return shown


def _many(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else many or one + 's'}"


def bundle_schema() -> dict[str, object]:
    """The bundle's JSON Schema (`hub sar schema`), for whoever reads the JSON."""
    return SubjectAccessBundle.model_json_schema(mode="serialization")
