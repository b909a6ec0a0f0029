"""The referral form (`/refer`) served for real, as a police officer signed in as a `referrer` meets it.

uvicorn on SQLite, Airflow a real HTTP stand-in (or absent), httpx as the browser without JavaScript: every
button is a form post, so what passes here works with JavaScript off.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from urllib.parse import urlencode

import httpx
import pytest
from sqlalchemy import func, select

from hub.quality.records import stored_assessment
from hub.store.tables import ReferralRow
from tests.hub.checks.airflow_double import FakeAirflow
from tests.hub.web.conftest import MARKER, MY_REFERRAL, PRACTITIONER, Served, form_token, sign_in
from tests.staff import add_staff_accounts

REFERRER, OTHER_REFERRER = "pc.reed", "t.lowe"
CHILD_FAMILY = "Quillfeather-Marsh"
"""The child's family name in these tests: a marker no log line or address may show."""


@pytest.fixture
def airflow(served: Served) -> Iterator[FakeAirflow]:
    with FakeAirflow() as fake:
        fake.api.save(served.settings.airflow_api_file)
        yield fake


@pytest.fixture
def referrer(served: Served) -> Iterator[httpx.Client]:
    add_staff_accounts(served.store, {REFERRER: "referrer", OTHER_REFERRER: "referrer"})
    with served.client() as client:
        assert sign_in(client, REFERRER).status_code == 303
        yield client


def good_answers() -> dict[str, str | list[str]]:
    """A complete referral, as a police officer would fill in the form (synthetic people)."""
    return {
        "referrer_name": "PC Dana Reed",
        "referrer_job": "Public protection officer",
        "organisation": "Northbridge Police Public Protection Unit",
        "referrer_kind": "police",
        "referrer_phone": "01632 960 001",
        "referrer_email": "dana.reed@police.example",
        "people": "2",
        "p0_given": "Amelie Rose",
        "p0_family": CHILD_FAMILY,
        "p0_dob-day": "14",
        "p0_dob-month": "3",
        "p0_dob-year": "2015",
        "p0_sex": "female",
        "p0_nhs": "999 000 1014",
        "p0_address": "14 Larch Close, Northbridge",
        "p0_postcode": "ne65qt",
        "p1_given": "Grace",
        "p1_family": CHILD_FAMILY,
        "p1_role": "parent_carer",
        "p1_dob-day": "20",
        "p1_dob-month": "11",
        "p1_dob-year": "1989",
        "p1_address": "14 Larch Close, Northbridge",
        "p1_postcode": "NE6 5QT",
        "concern_categories": ["domestic_abuse", "neglect"],
        "rag": "amber",
        "what_happened": (
            "Officers attended a domestic incident at the family home overnight on 1 November. Amelie was present "
            "and saw her mother pushed against a wall by her partner, who left before officers arrived. Neighbours "
            "have called the police three times since September. We are worried Amelie is at risk of harm, and "
            "likely to see further incidents soon because the partner is expected back this week. She attends "
            "Northbridge Primary School and is registered with Larch Street Surgery (GP)."
        ),
        "child_voice": "Amelie told the officer she hides in her room when they shout.",
        "what_tried": "The school offered early help last term; her mother declined.",
        "consent": "given",
    }


def post(client: httpx.Client, path: str, answers: dict[str, str | list[str]], action: str) -> httpx.Response:
    page = client.get("/refer/new")
    return client.post(path, data={**answers, "csrf_token": form_token(page.text), "action": action})


def hidden_fields(html: str) -> list[tuple[str, str]]:
    return [
        (unescape(name), unescape(value))
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html)
    ]


def post_pairs(client: httpx.Client, path: str, pairs: list[tuple[str, str]]) -> httpx.Response:
    """Post fields as a browser does, repeated names and all (the hidden fields of "Check your answers")."""
    form = {"content-type": "application/x-www-form-urlencoded"}
    return client.post(path, content=urlencode(pairs).encode("ascii"), headers=form)


def error_summary(html: str) -> dict[str, str]:
    """The error summary's links: field id to message."""
    box = html.split("govuk-error-summary__list", 1)[1].split("</ul>", 1)[0]
    return {
        anchor: unescape(" ".join(text.split()))
        for anchor, text in re.findall(r'<a href="#([^"]+)">\s*(.*?)\s*</a>', box, flags=re.S)
    }


def referral_count(served: Served) -> int:
    with served.store.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(ReferralRow)).scalar_one())


def send(client: httpx.Client, answers: dict[str, str | list[str]]) -> tuple[httpx.Response, httpx.Response]:
    """Continue to "Check your answers", then send what it carries: both pages."""
    check = post(client, "/refer/new", answers, "continue")
    assert check.status_code == 200, error_summary(check.text) if "error-summary" in check.text else check.text
    sent = post_pairs(client, "/refer/send", hidden_fields(check.text))
    return check, sent


def reference_in(html: str) -> str:
    found = re.search(r"REF-\d{4}-W[0-9A-Z]{8}", html)
    assert found, "no reference on the page"
    return found.group(0)


def test_a_complete_referral_is_stored_assessed_with_its_channel_and_its_checks_started(
    served: Served, referrer: httpx.Client, airflow: FakeAirflow
) -> None:
    start = referrer.get("/refer")
    assert start.status_code == 200
    assert "Does the referral say what the child has said" in start.text  # the checklist, in its own words
    check, sent = send(referrer, good_answers())
    assert "Check your answers before sending your referral" in check.text
    assert "Amelie Rose " + CHILD_FAMILY in check.text and "Born 14 March 2015" in check.text
    assert sent.status_code == 200 and "Referral sent" in sent.text
    reference = reference_in(sent.text)
    assert reference == reference_in(check.text)  # the reference made for the check page is the one kept
    assert "The checks have started" in sent.text and airflow.count("trigger") == 1
    assert "out of 100" in sent.text and f"Feedback on referral {reference}" in sent.text
    submission = served.store.submission(reference)
    assert submission is not None and (submission.submitter, submission.channel) == (f"user:{REFERRER}", "web")
    assert served.store.allocated_to(reference) is None  # a referrer never holds a referral: a manager allocates it
    stored = served.store.load_referral(reference, actor="service:test", purpose="test reads the referral")
    assert stored.referrer.organisation == "Northbridge Police Public Protection Unit"
    assert [subject.role.value for subject in stored.subjects] == ["subject_child", "parent_carer"]
    child = stored.subjects[0].person
    assert child.identifiers.nhs_number == "9990001014" and child.address is not None
    assert child.address.postcode == "NE6 5QT"
    for words in ("hides in her room", "offered early help", "agreed to it", "dana.reed@police.example"):
        assert words in stored.narrative
    assessment = stored_assessment(served.store, reference, actor="service:test", purpose="test reads it")
    assert assessment is not None and assessment.score >= 90, assessment
    actions = [event.action for event in served.store.audit_trail(actor=f"user:{REFERRER}")]
    assert "referral.create" in actions and "quality.read" in actions
    assert not any(CHILD_FAMILY in line or "Amelie" in line for line in served.log)


def test_without_airflow_it_is_kept_and_the_page_says_the_checks_have_not_started(
    served: Served, referrer: httpx.Client
) -> None:
    _, sent = send(referrer, good_answers())
    assert sent.status_code == 200 and "Referral sent" in sent.text
    assert "have not started yet" in sent.text and "The checks have started" not in sent.text
    assert served.store.submission(reference_in(sent.text)) is not None


def test_a_blank_form_names_every_missing_answer_at_once_and_stores_nothing(
    served: Served, referrer: httpx.Client
) -> None:
    before = referral_count(served)
    answer = post(referrer, "/refer/new", {"people": "1"}, "continue")
    assert answer.status_code == 400
    assert answer.text.count("govuk-error-summary") >= 1
    assert error_summary(answer.text) == {
        "referrer_name": "Enter your name",
        "organisation": "Enter the name of your organisation",
        "referrer_kind": "Select the kind of organisation you work for",
        "referrer_phone": "Enter a telephone number or an email address, so the MASH can reach you",
        "p0_given": "Enter their first name",
        "p0_family": "Enter their last name",
        "concern_categories": "Select at least one concern",
        "rag": "Select how urgent it is",
        "what_happened": "Enter what has happened",
        "consent": "Select whether the parents or carers know about this referral and agreed to it",
    }
    assert 'id="referrer_name-error"' in answer.text  # the message beside its field too
    assert referral_count(served) == before and served.store.submissions_by(f"user:{REFERRER}") == []


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"p0_dob-year": "2999"}, "p0_dob-day", "Date of birth is in the future"),
        ({"p0_dob-month": ""}, "p0_dob-day", "Date of birth must include a month"),
        ({"p0_dob-day": "31", "p0_dob-month": "2"}, "p0_dob-day", "Date of birth must be a real date"),
        ({"p0_dob-year": "1980"}, "p0_dob-day", "Date of birth makes them 18 or over"),
        ({"p1_dob-year": "2014"}, "p1_dob-day", "Date of birth is"),
        ({"p0_nhs": "1234567890"}, "p0_nhs", "NHS number is not a valid NHS number"),
        ({"p0_postcode": "N"}, "p0_postcode", "Postcode is not a UK postcode"),
        ({"p1_role": ""}, "p1_role", "Select who they are to the child"),
        ({"p1_family": ""}, "p1_family", "Enter their last name"),
        ({"referrer_kind": "astronaut"}, "referrer_kind", "Your kind of organisation: Input should be"),
        ({"referrer_email": "not an address", "referrer_phone": ""}, "referrer_email", "Enter an email address"),
        ({"referrer_phone": "12"}, "referrer_phone", "Enter a UK telephone number"),
        ({"consent": "not_asked"}, "consent_why", "Say why you did not ask the parents or carers"),
        ({"what_happened": "x" * 12_001}, "what_happened", "What has happened must be 12,000 characters or fewer"),
        ({"organisation": "y" * 201}, "organisation", "Your organisation must be 200 characters or fewer"),
    ],
)
def test_each_bad_answer_is_named_beside_its_field_and_nothing_is_stored(
    served: Served, referrer: httpx.Client, change: dict[str, str], field: str, message: str
) -> None:
    before = referral_count(served)
    answer = post(referrer, "/refer/new", {**good_answers(), **change}, "continue")
    assert answer.status_code == 400
    summary = error_summary(answer.text)
    assert summary.get(field, "").startswith(message), summary
    assert f'id="{field}-error"' in answer.text or f'id="{field.removesuffix("-day")}-error"' in answer.text
    assert referral_count(served) == before
    assert "Check your answers" not in answer.text
    assert not any(CHILD_FAMILY in line for line in served.log)


def test_a_tampered_send_is_checked_again_and_stores_nothing(served: Served, referrer: httpx.Client) -> None:
    check = post(referrer, "/refer/new", good_answers(), "continue")
    fields = [(name, "2999" if name == "p0_dob-year" else value) for name, value in hidden_fields(check.text)]
    answer = post_pairs(referrer, "/refer/send", fields)
    assert answer.status_code == 400 and "Date of birth is in the future" in answer.text
    assert served.store.submissions_by(f"user:{REFERRER}") == []


def test_add_and_remove_a_person_without_javascript_keep_every_answer(referrer: httpx.Client) -> None:
    added = post(referrer, "/refer/new", good_answers(), "add")
    assert added.status_code == 200
    assert 'name="p2_given"' in added.text and 'name="people" value="3"' in added.text
    assert 'value="Amelie Rose"' in added.text and "hides in her room" in added.text  # nothing lost
    answers = {**good_answers(), "people": "3", "p2_given": "Tyler", "p2_family": "Okafor", "p2_role": "sibling"}
    removed = post(referrer, "/refer/new", answers, "remove:1")
    assert 'name="people" value="2"' in removed.text
    assert re.search(r'<input[^>]*name="p1_given"[^>]*value="Tyler"', removed.text)  # moved up into place
    assert "Grace" not in removed.text and 'name="p2_given"' not in removed.text
    child = post(referrer, "/refer/new", answers, "remove:0")  # the child cannot be removed
    assert 'name="people" value="3"' in child.text and 'value="Amelie Rose"' in child.text


def test_change_from_check_your_answers_goes_back_to_the_form_with_every_answer(referrer: httpx.Client) -> None:
    check = post(referrer, "/refer/new", good_answers(), "continue")
    assert 'formaction="/refer/new#p1_given"' in check.text  # each Change goes back to its own question
    back = post_pairs(referrer, "/refer/new", [*hidden_fields(check.text), ("action", "change")])
    assert back.status_code == 200 and "Refer a child" in back.text
    for value in ("PC Dana Reed", "Amelie Rose", "Grace", "dana.reed@police.example", "2015"):
        assert f'value="{value}"' in back.text
    assert 'value="domestic_abuse" checked' in back.text and "hides in her room" in back.text
    reference = dict(hidden_fields(check.text))["reference"]
    assert f'name="reference" value="{reference}"' in back.text  # the same reference all the way


def test_sending_twice_stores_it_once(served: Served, referrer: httpx.Client, airflow: FakeAirflow) -> None:
    check, _ = send(referrer, good_answers())
    again = post_pairs(referrer, "/refer/send", hidden_fields(check.text))
    assert again.status_code == 200 and "You have already sent this referral" in again.text
    assert len(served.store.submissions_by(f"user:{REFERRER}")) == 1 and airflow.count("trigger") == 1


def test_a_referrer_sees_only_their_own_referrals_and_no_family_history(
    served: Served, referrer: httpx.Client, airflow: FakeAirflow
) -> None:
    _, sent = send(referrer, good_answers())
    mine = reference_in(sent.text)
    with served.client() as other:
        assert sign_in(other, OTHER_REFERRER).status_code == 303
        _, theirs = send(other, good_answers())
        listed = other.get("/refer/sent")
        assert reference_in(theirs.text) in listed.text and mine not in listed.text
    listing = referrer.get("/refer/sent")
    assert listing.status_code == 200 and mine in listing.text
    assert reference_in(theirs.text) not in listing.text and MY_REFERRAL not in listing.text
    assert CHILD_FAMILY not in listing.text and "Amelie" not in listing.text
    assert "None asked yet" in listing.text  # the stand-in Airflow plans no checks
    for path in (f"/referrals/{mine}", f"/referrals/{MY_REFERRAL}", "/referrals", "/allocation", "/audit"):
        assert referrer.get(path).status_code == 403, path
    assert MARKER not in referrer.get(f"/referrals/{MY_REFERRAL}").text
    menu = listing.text.split('id="navigation"', 1)[1].split("hub-sign-out", 1)[0]
    items = re.findall(r'<li class="govuk-service-navigation__item[^"]*">(.*?)</li>', menu, flags=re.S)
    nav = [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in items]
    assert nav == ["Make a referral", "Your referrals sent"]
    assert referrer.get("/").headers["location"] == "/refer"


def test_a_practitioner_may_use_the_form_and_holds_what_they_send(served: Served, airflow: FakeAirflow) -> None:
    with served.client() as client:
        assert sign_in(client, PRACTITIONER).status_code == 303
        assert "Make a referral" in client.get("/refer").text
        _, sent = send(client, good_answers())
    assert served.store.allocated_to(reference_in(sent.text)) == PRACTITIONER  # roles.yaml submitter_allocated


def test_a_post_without_the_form_token_or_too_large_is_refused_and_nothing_stored(
    served: Served, referrer: httpx.Client
) -> None:
    before = referral_count(served)
    no_token = referrer.post("/refer/send", data=good_answers())
    assert no_token.status_code == 403
    huge = referrer.post(
        "/refer/new", content=b"a" * (1024 * 1024 + 1), headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert huge.status_code == 413
    assert referral_count(served) == before


def test_a_role_that_may_not_submit_is_refused(served: Served) -> None:
    with served.client() as client:
        assert sign_in(client, "ida.ig").status_code == 303
        assert client.get("/refer").status_code == 403
        assert client.get("/refer/sent").status_code == 403
