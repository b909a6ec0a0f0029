"""The referral form's answers: read from a post, kept between pages, and turned into a referral.

Nothing of a half-written referral is stored: every page posts all the answers given so far (the form's
fields, or hidden fields on "Check your answers"), and this module reads them back. A referral is made
only through the intake's own check (`hub.intake.validation.check_referral_bytes`), so the form refuses
exactly what the CLI and the API refuse; each problem's field path (`subjects[1].person.birth_date`) is
mapped back to the form field it came from (`p1_dob-day`), so the error summary links to it.

The referral format has no fields for the referrer's name and contact details, the child's voice, what
has been tried, or consent. The council's checklist (`config/referral_quality.yaml`) looks for them in the
narrative, so the form asks for each on its own and writes them into the narrative under plain headings.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from starlette.datastructures import FormData

from hub.intake.problems import Problem, ReferralRefused
from hub.intake.validation import check_referral_bytes
from schemas import ConcernCategory, Referral, ReferrerKind, Sex, SubjectRole
from schemas.models import NARRATIVE_MAX_CHARACTERS, ORGANISATION_MAX_CHARACTERS, SUBJECTS_MAX

CHILD_VOICE_MAX = 3000
WHAT_TRIED_MAX = 3000
CONSENT_WHY_MAX = 1000
SHORT_MAX = 200
"""Names, job titles, telephone numbers, email addresses and address lines: the longest real ones are well under."""
HEADINGS_RESERVE = 1000
"""Room for the headings and the referrer's details the form writes into the narrative."""
WHAT_HAPPENED_MAX = NARRATIVE_MAX_CHARACTERS - CHILD_VOICE_MAX - WHAT_TRIED_MAX - CONSENT_WHY_MAX - HEADINGS_RESERVE
"""The account's own limit, so that the whole narrative the form writes stays within the format's limit."""

ABOUT = ("referrer_name", "referrer_job", "organisation", "referrer_kind", "referrer_phone", "referrer_email")
CONCERN = ("rag", "what_happened", "child_voice", "what_tried", "consent", "consent_why")
PERSON = ("given", "family", "dob-day", "dob-month", "dob-year", "role", "sex", "nhs", "address", "postcode")
CATEGORIES = "concern_categories"
PEOPLE = "people"
REFERENCE = "reference"

LIMITS: dict[str, int] = {
    "organisation": ORGANISATION_MAX_CHARACTERS,
    "what_happened": WHAT_HAPPENED_MAX,
    "child_voice": CHILD_VOICE_MAX,
    "what_tried": WHAT_TRIED_MAX,
    "consent_why": CONSENT_WHY_MAX,
}
"""Each free-text answer's limit (the character counts show them); any other text answer is `SHORT_MAX`."""

CONSENT_WORDS = {
    "given": "Consent: the parents or carers know about this referral and agreed to it.",
    "refused": "Consent: the parents or carers were asked and did not agree to the referral.",
    "not_asked": "Consent: the parents or carers were not asked about this referral (consent not sought), because:",
}
"""Each consent answer as the narrative states it, in words the council's checklist recognises."""
CONSENT_CHOICES = {
    "given": "Yes, they know and agreed",
    "refused": "They were asked and did not agree",
    "not_asked": "No, I did not ask them",
}
URGENCY = {
    "red": "Red: the child may be at risk of significant harm now, and I have also phoned the MASH",
    "amber": "Amber: the MASH should look at it today",
    "green": "Green: the child needs support, but is not in danger today",
}
REFERRER_KINDS = {
    ReferrerKind.POLICE: "Police",
    ReferrerKind.HEALTH: "Health (GP, health visitor, hospital, school nurse)",
    ReferrerKind.EDUCATION: "Education (school, nursery, college)",
    ReferrerKind.HOUSING: "Housing",
    ReferrerKind.SOCIAL_CARE: "Social care (another council's team, a fostering agency)",
    ReferrerKind.OTHER: "Another professional",
}
"""The professionals' kinds: family members and the public phone the MASH, they do not sign in."""
CONCERNS = {category: category.value.replace("_", " ").capitalize() for category in ConcernCategory}
CONCERNS[ConcernCategory.MISSING] = "Missing from home, care or school"
CONCERNS[ConcernCategory.CHILD_SEXUAL_EXPLOITATION] = "Child sexual exploitation"
CONCERNS[ConcernCategory.CRIMINAL_EXPLOITATION] = "Child criminal exploitation (including county lines)"
ROLES = {
    SubjectRole.SUBJECT_CHILD: "Another child this referral is about",
    SubjectRole.SIBLING: "Brother or sister",
    SubjectRole.PARENT_CARER: "Parent or carer",
    SubjectRole.OTHER_ADULT: "Another adult in the child's life",
}
FORM_ROLE_WORDS = {SubjectRole.SUBJECT_CHILD: "the child you are worried about"}
SEXES = {Sex.FEMALE: "Female", Sex.MALE: "Male", Sex.OTHER: "Other"}

_REFERENCE_LETTERS = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
"""Letters and digits no one misreads on the phone: no I, L, O, 0 or 1."""
REFERENCE_PATTERN = re.compile(rf"^REF-\d{{4}}-W[{_REFERENCE_LETTERS}]{{8}}$")


def new_reference(now: datetime) -> str:
    """`REF-2026-W7KQ4MXPA`: the year received, W for the web form, and 8 random letters and digits.

    The referral format needs an id, which the CLI and the API take from the referrer's own system; a web
    referrer has none, so the hub makes one. Random rather than counted, so it says nothing of how many
    referrals there are, and no two browsers can take the same one; no I, L, O, 0 or 1 to misread on the phone.
    """
    return f"REF-{now.year:04d}-W" + "".join(secrets.choice(_REFERENCE_LETTERS) for _ in range(8))


@dataclass
class Answers:
    """What the referrer has typed so far: every value as posted (bounded), never stored."""

    values: dict[str, str] = field(default_factory=dict)
    categories: list[str] = field(default_factory=list)
    people: list[dict[str, str]] = field(default_factory=lambda: [{}])
    reference: str = ""

    def get(self, name: str) -> str:
        return self.values.get(name, "")

    def posted(self) -> list[tuple[str, str]]:
        """Every answer as (field name, value), for the hidden fields that carry them to the next page."""
        pairs = [(name, self.values[name]) for name in (*ABOUT, *CONCERN) if self.values.get(name)]
        pairs += [(CATEGORIES, category) for category in self.categories]
        pairs.append((PEOPLE, str(len(self.people))))
        for index, person in enumerate(self.people):
            pairs += [(person_field(index, key), value) for key, value in person.items() if value]
        if self.reference:
            pairs.append((REFERENCE, self.reference))
        return pairs

    def with_person_added(self) -> Answers:
        if len(self.people) >= SUBJECTS_MAX:
            return self
        return Answers(self.values, self.categories, [*self.people, {}], self.reference)

    def with_person_removed(self, index: int) -> Answers:
        """Without person `index` (never the child, person 0)."""
        if not 1 <= index < len(self.people):
            return self
        return Answers(self.values, self.categories, self.people[:index] + self.people[index + 1 :], self.reference)


def person_field(index: int, key: str) -> str:
    """`p1_given`, `p1_dob-day`: a person's field name (and id); dates follow GOV.UK's date input naming."""
    return f"p{index}_{key}"


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    limit = LIMITS.get(name, SHORT_MAX)
    return value[: limit * 2] if isinstance(value, str) else ""  # twice the limit: enough to say it is too long


def read_answers(form: FormData) -> Answers:
    """The answers in a post (the form itself or "Check your answers"), each value bounded."""
    values = {name: _text(form, name) for name in (*ABOUT, *CONCERN)}
    categories = [value for value in form.getlist(CATEGORIES) if isinstance(value, str) and value in CONCERNS][
        : len(CONCERNS)
    ]
    count = _text(form, PEOPLE)
    people_count = min(max(int(count), 1), SUBJECTS_MAX) if count.isdigit() and len(count) <= 3 else 1
    people = [{key: _text(form, person_field(index, key)) for key in PERSON} for index in range(people_count)]
    reference = _text(form, REFERENCE)
    return Answers(values, categories, people, reference if REFERENCE_PATTERN.match(reference) else "")


@dataclass(frozen=True)
class Checked:
    """The referral the answers make, or the problems by field id (every one at once) and none."""

    referral: Referral | None
    errors: dict[str, str]


def check_answers(answers: Answers, *, referral_id: str, now: datetime) -> Checked:
    """The answers through the form's own questions and then the intake's check, every problem at once."""
    errors = _form_errors(answers)
    document, positions = _document(answers, referral_id=referral_id, now=now)
    try:
        referral = check_referral_bytes(json.dumps(document).encode("utf-8"), now=now)
    except ReferralRefused as refused:
        for problem in refused.problems:
            field_id = field_for(problem, positions)
            errors.setdefault(field_id, message_for(field_id, problem))
        return Checked(None, _in_form_order(errors, len(answers.people)))
    if errors:
        return Checked(None, _in_form_order(errors, len(answers.people)))
    return Checked(referral, {})


def _blank(value: str) -> bool:
    return not value.strip()


def _form_errors(answers: Answers) -> dict[str, str]:
    """What the form asks that the format does not hold as fields: the referrer's details, and consent."""
    errors: dict[str, str] = {}
    if _blank(answers.get("referrer_name")):
        errors["referrer_name"] = "Enter your name"
    if _blank(answers.get("referrer_phone")) and _blank(answers.get("referrer_email")):
        errors["referrer_phone"] = "Enter a telephone number or an email address, so the MASH can reach you"
    email = answers.get("referrer_email").strip()
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        errors["referrer_email"] = "Enter an email address in the correct format, like name@example.org"
    phone = re.sub(r"[\s()-]", "", answers.get("referrer_phone"))
    if phone and not re.fullmatch(r"(\+44|0)\d{9,10}", phone):
        errors["referrer_phone"] = "Enter a UK telephone number, like 01632 960 001 or 07700 900 982"
    consent = answers.get("consent")
    if consent not in CONSENT_WORDS:
        errors["consent"] = "Select whether the parents or carers know about this referral and agreed to it"
    elif consent == "not_asked" and _blank(answers.get("consent_why")):
        errors["consent_why"] = "Say why you did not ask the parents or carers"
    for name in (*ABOUT, *CONCERN):
        limit = LIMITS.get(name, SHORT_MAX)
        if len(answers.get(name)) > limit:
            errors.setdefault(name, f"{LABELS.get(name, 'This answer')} must be {limit:,} characters or fewer")
    for index, person in enumerate(answers.people):
        if _blank(person.get("given", "")) and (index == 0 or any(value.strip() for value in person.values())):
            # the format says so too, but only once the rest of the name is right: said here, it is said at once
            errors[person_field(index, "given")] = _MISSING["given"]
        for key in ("given", "family", "nhs", "address", "postcode"):
            if len(person.get(key, "")) > SHORT_MAX:
                errors[person_field(index, key)] = f"{PERSON_LABELS[key]} must be {SHORT_MAX} characters or fewer"
        problem = _date_problem(person)
        if problem:
            errors[person_field(index, "dob-day")] = problem
    return errors


def _date_problem(person: Mapping[str, str]) -> str | None:
    """GOV.UK's date input messages: all three parts or none, and a real date."""
    parts = [person.get(key, "").strip() for key in ("dob-day", "dob-month", "dob-year")]
    if not any(parts):
        return None
    missing = [name for name, part in zip(("a day", "a month", "a year"), parts, strict=True) if not part]
    if missing:
        return f"Date of birth must include {' and '.join(missing)}"
    if not all(part.isdigit() for part in parts) or len(parts[2]) != 4:
        return "Date of birth must be a real date, with the year in 4 digits"
    if _birth_date(person) is None:
        return "Date of birth must be a real date"
    return None


def _birth_date(person: Mapping[str, str]) -> date | None:
    try:
        day, month, year = (int(person.get(key, "").strip()) for key in ("dob-day", "dob-month", "dob-year"))
        return date(year, month, day)
    except ValueError:
        return None


def narrative(answers: Answers) -> str:
    """The referral's narrative: the account, then each thing the checklist looks for under its own heading."""
    happened = answers.get("what_happened").strip()
    if not happened:
        return ""
    parts = [happened]
    for name, heading in (
        ("child_voice", "What the child has said, and what life is like for them:"),
        ("what_tried", "What has been tried already:"),
    ):
        if text := answers.get(name).strip():
            parts.append(f"{heading}\n{text}")
    consent = answers.get("consent")
    if consent in CONSENT_WORDS:
        why = answers.get("consent_why").strip() if consent == "not_asked" else ""
        parts.append(f"{CONSENT_WORDS[consent]} {why}".strip())
    contact = [answers.get(name).strip() for name in ("referrer_name", "referrer_job")]
    reach = [
        f"{label} {value}"
        for label, value in (("Telephone:", answers.get("referrer_phone")), ("Email:", answers.get("referrer_email")))
        if value.strip()
    ]
    parts.append(
        "Referred by: " + ", ".join(part for part in contact if part) + (". " + ". ".join(reach) if reach else "")
    )
    return "\n\n".join(parts)


def _person_document(person: Mapping[str, str], role: str) -> dict[str, Any]:
    """A person as the format has it, leaving out what was not answered (so the intake names what is required)."""
    name: dict[str, Any] = {"given_names": person.get("given", "").split()}
    if family := person.get("family", "").strip():
        name["family_name"] = family
    document: dict[str, Any] = {"name": name}
    born = _birth_date(person)
    if born is not None:
        document["birth_date"] = born.isoformat()
    if (sex := person.get("sex", "")) in SEXES:
        document["sex"] = sex
    address = {key: person[source].strip() for key, source in (("line", "address"), ("postcode", "postcode"))}
    if any(address.values()):
        document["address"] = {key: value for key, value in address.items() if value}
    if nhs := person.get("nhs", "").strip():
        document["identifiers"] = {"nhs_number": nhs}
    subject: dict[str, Any] = {"person": document}
    if role:
        subject["role"] = role
    return subject


def _document(answers: Answers, *, referral_id: str, now: datetime) -> tuple[dict[str, Any], list[int]]:
    """The referral document the answers make, and which form person each subject came from.

    A person added but left entirely blank is left out (the form's "Add another person" is not a promise).
    """
    subjects: list[dict[str, Any]] = []
    positions: list[int] = []
    for index, person in enumerate(answers.people):
        if index and not any(value.strip() for value in person.values()):
            continue
        role = SubjectRole.SUBJECT_CHILD.value if index == 0 else person.get("role", "")
        subject = _person_document(person, role if role in ROLES else "")
        subjects.append({"subject_id": f"S{len(subjects) + 1}", **subject})
        positions.append(index)
    document: dict[str, Any] = {
        "referral_id": referral_id,
        "received_at": now.isoformat(),
        "referrer": {
            key: value
            for key, value in (("kind", answers.get("referrer_kind")), ("organisation", answers.get("organisation")))
            if value.strip()
        },
        "subjects": subjects,
    }
    if answers.categories:
        document["concern_categories"] = answers.categories
    if (rag := answers.get("rag")) in URGENCY:
        document["rag"] = rag
    if text := narrative(answers):
        document["narrative"] = text
    return document, positions


LABELS = {
    "referrer_name": "Your name",
    "referrer_job": "Your job title",
    "organisation": "Your organisation",
    "referrer_kind": "Your kind of organisation",
    "referrer_phone": "Telephone number",
    "referrer_email": "Email address",
    CATEGORIES: "Concerns",
    "rag": "How urgent it is",
    "what_happened": "What has happened",
    "child_voice": "What the child has said",
    "what_tried": "What has been tried",
    "consent": "Consent",
    "consent_why": "Why you did not ask",
}
PERSON_LABELS = {
    "given": "First names",
    "family": "Last name",
    "dob-day": "Date of birth",
    "role": "Who they are to the child",
    "sex": "Sex",
    "nhs": "NHS number",
    "address": "Address",
    "postcode": "Postcode",
}
_MISSING = {
    "organisation": "Enter the name of your organisation",
    "referrer_kind": "Select the kind of organisation you work for",
    CATEGORIES: "Select at least one concern",
    "rag": "Select how urgent it is",
    "what_happened": "Enter what has happened",
    "given": "Enter their first name",
    "family": "Enter their last name",
    "role": "Select who they are to the child",
}
_PERSON_PATHS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("person", "name", "given_names"), "given"),
    (("person", "name", "family_name"), "family"),
    (("person", "birth_date"), "dob-day"),
    (("person", "address", "postcode"), "postcode"),
    (("person", "address"), "address"),
    (("person", "identifiers", "nhs_number"), "nhs"),
    (("person", "sex"), "sex"),
    (("role",), "role"),
)
_TOP_PATHS = {"referrer": "organisation", "concern_categories": CATEGORIES, "rag": "rag", "narrative": "what_happened"}


def field_for(problem: Problem, positions: list[int]) -> str:
    """The id of the form field an intake problem is about ("" for the referral as a whole)."""
    path = problem.path
    if path[:2] == ("referrer", "kind"):
        return "referrer_kind"
    if path and isinstance(path[0], str) and path[0] in _TOP_PATHS:
        return _TOP_PATHS[path[0]]
    if path[:1] == ("subjects",):
        if len(path) < 2 or not isinstance(path[1], int) or path[1] >= len(positions):
            return person_field(0, "given")
        index, rest = positions[path[1]], tuple(str(step) for step in path[2:])
        for prefix, key in _PERSON_PATHS:
            if rest[: len(prefix)] == prefix:
                return person_field(index, key)
        return person_field(index, "given")
    return ""


def message_for(field_id: str, problem: Problem) -> str:
    """The problem in the form's words: the field's label, then the intake's message (which never holds a value)."""
    key = field_id.split("_", 1)[1] if re.match(r"^p\d+_", field_id) else field_id
    if problem.message == "is required" and key in _MISSING:
        return _MISSING[key]
    label = PERSON_LABELS.get(key) if field_id != key else LABELS.get(key)
    message = problem.message
    for role, words in ROLES.items():  # the format's role codes as the form words them
        message = message.replace(f"'{role.value}'", f"'{FORM_ROLE_WORDS.get(role, words).lower()}'")
    if label is None:
        return f"The referral {message}" if message.startswith("is ") else f"{problem.field}: {message}"
    if message.startswith(("is ", "must ", "needs ", "makes ")):
        return f"{label} {message}"
    return f"{label}: {message}"


def _in_form_order(errors: Mapping[str, str], people: int) -> dict[str, str]:
    """The errors in the order their fields appear on the form, so the summary reads top to bottom."""
    order = [*ABOUT, *(person_field(index, key) for index in range(people) for key in PERSON), CATEGORIES, *CONCERN]
    rank = {name: position for position, name in enumerate(order)}
    return dict(sorted(errors.items(), key=lambda item: rank.get(item[0], -1)))


def summary_rows(answers: Answers) -> list[dict[str, Any]]:
    """ "Check your answers": each answer as (question, answer lines, the field its Change button goes back to)."""

    def row(key: str, lines: Iterable[str], target: str) -> dict[str, Any]:
        shown = [line for line in lines if line.strip()]
        return {"key": key, "lines": shown or ["Not given"], "target": target}

    rows = [
        row("Your name", [answers.get("referrer_name"), answers.get("referrer_job")], "referrer_name"),
        row(
            "Organisation",
            [answers.get("organisation"), _chosen(REFERRER_KINDS, answers.get("referrer_kind"))],
            "organisation",
        ),
        row("Contact details", [answers.get("referrer_phone"), answers.get("referrer_email")], "referrer_phone"),
    ]
    for index, person in enumerate(answers.people):
        if index and not any(value.strip() for value in person.values()):
            continue
        born = _birth_date(person)
        role = "The child" if index == 0 else _chosen(ROLES, person.get("role", ""))
        rows.append(
            row(
                role or "Person",
                [
                    f"{person.get('given', '')} {person.get('family', '')}",
                    f"Born {born.day} {born:%B %Y}" if born else "Date of birth not given",
                    _chosen(SEXES, person.get("sex", "")),
                    f"NHS number {person['nhs']}" if person.get("nhs") else "",
                    ", ".join(part for part in (person.get("address", ""), person.get("postcode", "")) if part),
                ],
                person_field(index, "given"),
            )
        )
    rows += [
        row("Concerns", [CONCERNS.get(ConcernCategory(value), value) for value in answers.categories], CATEGORIES),
        row("How urgent", [_chosen(URGENCY, answers.get("rag"))], "rag"),
        row("What has happened", answers.get("what_happened").splitlines(), "what_happened"),
        row("What the child has said", answers.get("child_voice").splitlines(), "child_voice"),
        row("What has been tried", answers.get("what_tried").splitlines(), "what_tried"),
        row(
            "Consent",
            [
                _chosen(CONSENT_CHOICES, answers.get("consent")),
                answers.get("consent_why") if answers.get("consent") == "not_asked" else "",
            ],
            "consent",
        ),
    ]
    return rows


def _chosen(choices: Mapping[Any, str], value: str) -> str:
    for key, words in choices.items():
        if str(key) == value:
            return words
    return ""
