"""What the REST API answers, as pydantic models: FastAPI documents each in the OpenAPI document from these.

No model carries personal data: ids, states, counts, times, and the referral's quality assessment in the
checklist's words (which name the referral only by its reference).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Problem(_Answer):
    field: str = Field(
        description="Where in the referral, e.g. `subjects[1].person.birth_date`; `(top level)` for the whole."
    )
    message: str = Field(description="What is wrong, in words; never the value that was sent.")


class Problems(_Answer):
    """A referral refused at the door: every problem at once. Nothing was stored."""

    detail: str
    problems: list[Problem]


class Refusal(_Answer):
    """Any other refusal, in one line saying what to do."""

    detail: str


class Gap(_Answer):
    id: str = Field(description="The checklist item's id in config/referral_quality.yaml.")
    question: str
    missing: str = Field(description="What the referral did not say.")
    why: str = Field(description="Why it matters to the MASH.")


class Quality(_Answer):
    """The referral's assessment against the council's checklist of what a good referral states."""

    score: int = Field(ge=0, le=100)
    checklist_version: str
    gaps: list[Gap]
    feedback_note: str = Field(description="Plain text for the referrer, ready for a letter or an email.")


class Received(_Answer):
    """A referral stored. `checks_started` false means Airflow could not be reached: the referral is kept and the
    hub's housekeeping starts its checks within about five minutes of Airflow answering again."""

    referral_id: str
    status_url: str = Field(description="Where to follow it (the `Location` header says the same).")
    checks_started: bool
    checks: str = Field(description="The checks in words.")
    quality: Quality | None = Field(
        description="None if the council's checklist could not be read (see `quality_note`)."
    )
    quality_note: str


class AgencyChecks(_Answer):
    agency: str
    checks: int = Field(description="One check per person in the referral.")
    states: dict[str, int] = Field(
        description="How many checks are in each state: not_asked, asked, awaiting_reply, answered, retrying, gave_up."
    )


class Status(_Answer):
    """A referral's progress, for the client that submitted it: states and counts, no personal data."""

    referral_id: str
    received_at: datetime
    checks: str = Field(description="not_started, triggered, in_progress, could_not_start or complete.")
    agencies: list[AgencyChecks]


class Health(_Answer):
    status: str
    api_version: str
