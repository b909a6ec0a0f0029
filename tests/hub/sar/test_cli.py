"""`hub sar export` as an IG officer uses it: files owner-only and named by the request id, counts and paths on
the terminal and nothing about the person, the export audited under the officer's role; refused to anyone else
(and the refusal audited); bad input one line with nothing written.

One home per module: the household is stored and Amara's export made once; each test reads what it needs.
"""

from __future__ import annotations

import io
import json
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pypdf import PdfReader

from hub.audit import AuditAction
from hub.retention.daily import council_today, council_zone
from hub.retention.policy import load_retention
from hub.retention.run import apply_retention
from hub.sar.bundle import Action, SubjectAccessBundle
from hub.sar.request import REQUEST_ID
from hub.settings import HubSettings
from hub.store.home import open_store
from tests.hub.builders import REFERRAL_ID
from tests.hub.sar.household import AMARA_NHS, NAME_ONLY_ID, store_household
from tests.hub_here import run_hub_here
from tests.markers import sample_family_markers
from tests.staff import hub_command, refusal, signed_in_home, success

IG = "test.ig"


@dataclass(frozen=True)
class Export:
    home: Path
    output: str
    request_id: str
    folder: Path


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("sar-cli") / "home"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HUB_HOME", str(home))
        patch.delenv("HUB_DATABASE_URL", raising=False)
        settings = HubSettings.from_env()
        store = open_store(settings)
        store_household(store)
        zone = council_zone(settings)
        today = council_today(zone)  # nothing is due yet: the run stores each referral's schedule
        apply_retention(store, load_retention(settings), as_of=today, today=today, zone=zone, actor="service:retention")
        store.close()
        signed_in_home(home, IG, "ig_officer")
        yield home


def sar(home: Path, *args: str) -> tuple[int, str, BaseException | None]:
    result = hub_command("sar", *args, HUB_HOME=str(home))
    return result.exit_code, result.output, result.exception


@pytest.fixture(scope="module")
def exported(home: Path) -> Export:
    result = hub_command("sar", "export", "--nhs-number", AMARA_NHS, HUB_HOME=str(home))
    output = success(result)
    [request_id] = {word for word in output.split() if REQUEST_ID.match(word)}
    return Export(home, result.output, request_id, home / "reports" / "sar" / request_id)


def requests_on_disk(home: Path) -> set[str]:
    folder = home / "reports" / "sar"
    return {path.name for path in folder.iterdir()} if folder.exists() else set()


def test_the_terminal_shows_counts_and_paths_and_nothing_about_the_person(exported: Export) -> None:
    text = " ".join(exported.output.split())
    assert f"Subject access request {exported.request_id}" in text
    assert "NHS number: 2 candidates checked, 2 exact matches." in text
    assert "Held: 2 referrals, 3 agency replies, 4 chronology entries, 1 MASH decision, 1 identity review," in text
    assert "to redact (third party)" in text and "not included" in text
    leaked = [marker for marker in [*sample_family_markers(), "999 000 1014"] if marker in exported.output]
    assert not leaked
    for suffix in (".json", ".html", ".pdf"):
        assert str(exported.folder / f"{exported.request_id}{suffix}") in exported.output


def test_the_files_are_owner_only_and_named_by_the_request_id(exported: Export) -> None:
    assert stat.S_IMODE(exported.folder.stat().st_mode) == 0o700
    names = sorted(path.name for path in exported.folder.iterdir())
    assert names == sorted(f"{exported.request_id}{suffix}" for suffix in (".html", ".json", ".pdf"))
    for path in exported.folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    bundle = SubjectAccessBundle.model_validate_json((exported.folder / f"{exported.request_id}.json").read_bytes())
    assert (bundle.format, bundle.version, bundle.request_id) == ("mash-hub/subject-access", 1, exported.request_id)
    assert bundle.produced_by == f"user:{IG}" and bundle.counts.referrals == 2
    current = next(held for held in bundle.referrals if held.referral_id == REFERRAL_ID)
    assert current.retention.startswith(
        "Kept under the council's retention schedule, until the youngest child is 25 "
        "(config/retention.yaml outcomes.s17_assessment): to be destroyed after 31 December 2043."
    )  # Tyler, born 2018, is the youngest child
    html = (exported.folder / f"{exported.request_id}.html").read_text()
    assert "Amara Joy Okafor-Reid" in html and "Redact: third party (a sibling named in the referral)" in html
    assert html.count('class="value--redact"') >= bundle.counts.to_redact


def test_the_pdf_is_the_report_with_its_metadata_naming_only_the_request(exported: Export) -> None:
    reader = PdfReader(io.BytesIO((exported.folder / f"{exported.request_id}.pdf").read_bytes()))
    cover = reader.pages[0].extract_text()
    assert f"Subject access request {exported.request_id}" in cover and "OFFICIAL-SENSITIVE" in cover
    assert f"Page 1 of {len(reader.pages)}" in cover
    # Words as read, a line broken at a hyphen joined again ("Okafor-" and "Reid" in a narrow column).
    pages = re.sub(r"-\s+", "-", " ".join(" ".join(page.extract_text().split()) for page in reader.pages))
    assert "Amara Joy Okafor-Reid" in pages and "Redact: third party" in pages
    metadata = json.dumps({str(key): str(value) for key, value in (reader.metadata or {}).items()})
    assert exported.request_id in metadata
    assert not [marker for marker in sample_family_markers() if marker in metadata]


def test_the_export_is_audited_under_the_officers_role(exported: Export) -> None:
    store = open_store(HubSettings.from_env({"HUB_HOME": str(exported.home)}))
    try:
        events = [event for event in store.audit_trail() if exported.request_id in event.purpose]
    finally:
        store.close()
    exports = [event for event in events if event.action == AuditAction.SAR_EXPORT]
    assert len(exports) == 2
    assert {(event.actor, event.role, event.basis) for event in events} == {(f"user:{IG}", "ig_officer", "role")}


def test_someone_else_is_refused_and_the_refusal_audited(home: Path) -> None:
    before = requests_on_disk(home)
    signed_in_home(home, "test.practitioner", "practitioner", allocated=(REFERRAL_ID,))
    try:
        result = hub_command("sar", "export", "--nhs-number", AMARA_NHS, HUB_HOME=str(home))
    finally:
        signed_in_home(home, IG, "ig_officer")
    assert "sar.export" in refusal(result) or "subject access" in refusal(result).lower()
    assert requests_on_disk(home) == before
    store = open_store(HubSettings.from_env({"HUB_HOME": str(home)}))
    try:
        [denied] = [event for event in store.audit_trail(action=AuditAction.SAR_EXPORT) if event.outcome == "denied"]
    finally:
        store.close()
    assert (denied.actor, denied.basis) == ("user:test.practitioner", "none")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--nhs-number", "999 000 1015"), "not a valid NHS number"),
        (("--referral", "REF-2026-999999", "--subject", "S1"), "no referral is stored with id REF-2026-999999"),
        (("--referral", REFERRAL_ID, "--subject", "S9"), f"referral {REFERRAL_ID} has no subject S9"),
        (("--referral", REFERRAL_ID), "in pairs"),
        ((), "say whom to look for"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(home: Path, args: tuple[str, ...], words: str) -> None:
    before = requests_on_disk(home)
    result = hub_command("sar", "export", *args, HUB_HOME=str(home))
    message = refusal(result)
    assert words in message and "1015" not in message
    assert requests_on_disk(home) == before


def test_a_named_subject_goes_to_the_folder_given_without_a_pdf(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "for-ig"
    result = hub_command(
        "sar", "export", "--referral", NAME_ONLY_ID, "--subject", "S1", "--out", str(out), "--no-pdf",
        HUB_HOME=str(home),
    )  # fmt: skip
    text = success(result)
    assert "Named by IG: 1 referral subject." in text and "NHS number:" not in text
    written = {path.suffix: path for path in out.iterdir()}
    assert sorted(written) == [".html", ".json"]
    bundle = SubjectAccessBundle.model_validate_json(written[".json"].read_bytes())
    [held] = bundle.referrals
    assert (held.referral_id, held.found_by) == (NAME_ONLY_ID, "named")
    assert held.referrer is not None and held.referrer.mark.action is Action.REDACT


def test_a_real_process_refuses_bad_input_in_one_line(home: Path) -> None:
    result = run_hub_here("sar", "export", "--nhs-number", "1234567890", home=home)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("error:") and len(result.stderr.strip().splitlines()) == 1
    assert "1234567890" not in result.stderr + result.stdout


def test_the_schema_describes_the_bundle(home: Path) -> None:
    schema = json.loads(success(hub_command("sar", "schema", HUB_HOME=str(home))))
    assert schema["title"] == "SubjectAccessBundle" and "referrals" in schema["properties"]
    assert "Mark" in schema["$defs"] and "label" in schema["$defs"]["Mark"]["properties"]


def test_a_person_the_hub_holds_nothing_about_gets_a_nothing_held_report(home: Path, tmp_path: Path) -> None:
    result = hub_command("sar", "export", "--nhs-number", "9990003017", "--out", str(tmp_path), "--no-pdf",
                         HUB_HOME=str(home))  # fmt: skip
    text = success(result)
    assert "NHS number: 0 candidates checked, 0 exact matches." in text
    assert "Nothing held: the hub holds no record about this person under the details given." in text
    [json_file] = tmp_path.glob("*.json")
    assert SubjectAccessBundle.model_validate_json(json_file.read_bytes()).nothing_held
    assert "Nothing held" in next(tmp_path.glob("*.html")).read_text()
