"""`config/deadlines.yaml`, typed: the council's working calendar, when referrals are due, whom to tell.

Each council sets these for itself (the guide: "these are config, not constants"), so they are data a
council's admin edits, checked when read. A mistake is one line naming the file and the field, e.g.
`deadlines.yaml: field 'referral_due.red': '2 hours' is not a working duration; write e.g. ...`.
Secrets never live in the file: the SMTP login names the environment variables that hold it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    model_validator,
)

from hub.deadlines.calendar import MONDAY_TO_FRIDAY, Nation, Weekday, WorkingCalendar
from hub.deadlines.duration import WorkingDuration
from hub.errors import UserError
from hub.settings import HubSettings
from schemas.config_files import ConfigFileError, read_config_model
from schemas.vocabulary import Rag

_CLOCK = re.compile(r"^(?P<hour>[01]?\d|2[0-3]):(?P<minute>[0-5]\d)$")


def _duration(value: Any) -> WorkingDuration:
    return value if isinstance(value, WorkingDuration) else WorkingDuration.parse(value)


def _clock(value: Any) -> Any:
    """`"09:00"` or `"9:00"`. Unquoted, YAML 1.1 reads `17:00` as the number 1020, so say so."""
    if isinstance(value, time):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError('must be a time in quotes, such as "17:00" (unquoted, YAML reads 17:00 as a number)')
    match = _CLOCK.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError('must be a 24-hour time such as "09:00"')
    return time(int(match["hour"]), int(match["minute"]))


def _time_zone(value: Any) -> Any:
    if isinstance(value, str):
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"'{value[:60]}' is not a known time zone; use an IANA name such as Europe/London"
            ) from None
    return value


def _matching(pattern: str, what: str) -> Callable[[str], str]:
    """A check that words its refusal for an admin ("must be an email address such as ..."), not as a regex."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.match(value):
            raise ValueError(f"must be {what}")
        return value

    return check


WorkingDurationSetting = Annotated[WorkingDuration, PlainValidator(_duration)]
Clock = Annotated[time, BeforeValidator(_clock)]
TimeZoneName = Annotated[str, BeforeValidator(_time_zone)]
EmailAddress = Annotated[
    str,
    AfterValidator(
        _matching(
            r"^[^@\s<>,;\"]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$",
            "an email address such as mash-duty@council.example",
        )
    ),
]
EnvironmentVariable = Annotated[
    str,
    AfterValidator(
        _matching(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$", "an environment variable name such as HUB_SMTP_PASSWORD")
    ),
]
HostName = Annotated[str, AfterValidator(_matching(r"^[A-Za-z0-9.:\[\]-]{1,253}$", "a host name or IP address"))]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class WorkingHours(Section):
    """When the MASH is open on a working day, wall-clock time in the calendar's time zone."""

    start: Clock = time(9, 0)
    end: Clock = time(17, 0)

    @model_validator(mode="after")
    def _opens_before_closing(self) -> WorkingHours:
        if not self.start < self.end:
            raise ValueError("end must be later than start, on the same day")
        return self

    @property
    def day_length(self) -> timedelta:
        return datetime.combine(date.min, self.end) - datetime.combine(date.min, self.start)


class Closure(Section):
    """A day (`2026-12-24`) or days (`{from: 2026-12-29, to: 2026-12-31}`) the council's MASH is closed."""

    first: date = Field(alias="from")
    last: date = Field(alias="to")

    @model_validator(mode="before")
    @classmethod
    def _one_day(cls, value: Any) -> Any:
        if isinstance(value, datetime):
            raise ValueError("must be a date such as 2026-12-24, without a time")
        if isinstance(value, date | str):
            return {"from": value, "to": value}
        return value

    @model_validator(mode="after")
    def _in_order(self) -> Closure:
        if self.last < self.first:
            raise ValueError("'to' must not be before 'from'")
        if (self.last - self.first).days >= 366:
            raise ValueError("a closure must be shorter than a year")
        return self

    def days(self) -> list[date]:
        return [self.first + timedelta(days=offset) for offset in range((self.last - self.first).days + 1)]


class CalendarSettings(Section):
    """The council's working calendar (defaults: England, Europe/London, Monday to Friday, 09:00-17:00)."""

    nation: Nation = Nation.ENGLAND
    time_zone: TimeZoneName = "Europe/London"
    working_days: list[Weekday] = Field(default=list(MONDAY_TO_FRIDAY), min_length=1)
    working_hours: WorkingHours = WorkingHours()
    extra_closures: list[Closure] = Field(default_factory=list)

    @model_validator(mode="after")
    def _days_once(self) -> CalendarSettings:
        if len(set(self.working_days)) != len(self.working_days):
            raise ValueError("working_days names a day more than once")
        return self

    def build(self) -> WorkingCalendar:
        return WorkingCalendar(
            nation=self.nation,
            time_zone=self.time_zone,
            working_days=self.working_days,
            opens=self.working_hours.start,
            closes=self.working_hours.end,
            extra_closures=[day for closure in self.extra_closures for day in closure.days()],
        )


class ReferralDue(Section):
    """How long the checks for a referral may take, by its RAG rating, in working time."""

    red: WorkingDurationSetting = WorkingDuration.parse("2 working hours")
    amber: WorkingDurationSetting = WorkingDuration.parse("1 working day")
    green: WorkingDurationSetting = WorkingDuration.parse("3 working days")

    def for_rag(self, rag: Rag) -> WorkingDuration:
        duration: WorkingDuration = getattr(self, rag.value)
        return duration


class SmtpSettings(Section):
    """The mail server escalations go through. The login, if any, is read from the named environment variables."""

    host: HostName
    port: int = Field(default=587, ge=1, le=65535)
    starttls: bool = True
    username_env: EnvironmentVariable | None = None
    password_env: EnvironmentVariable | None = None
    timeout_seconds: float = Field(default=10.0, gt=0, le=120)

    @model_validator(mode="before")
    @classmethod
    def _no_secrets(cls, value: Any) -> Any:
        if isinstance(value, dict) and {"username", "password"} & set(value):
            raise ValueError(
                "secrets never live in this file: name the environment variables that hold them "
                "with username_env and password_env"
            )
        return value

    @model_validator(mode="after")
    def _login_whole(self) -> SmtpSettings:
        if (self.username_env is None) != (self.password_env is None):
            raise ValueError("give both username_env and password_env, or neither (no login)")
        return self


class EscalationSettings(Section):
    """Who is told, by email, that a check or a referral is overdue."""

    email_to: list[EmailAddress] = Field(min_length=1, max_length=20)
    email_from: EmailAddress
    smtp: SmtpSettings


class PartialHistory(Section):
    """When a referral's history is assembled before every agency has answered."""

    assemble: Literal["first_wave", "every_reply", "end_only"] = Field(
        default="first_wave",
        description="first_wave: a first, partial, version once every check has an answer, a reason or a "
        "promise of a later reply, then a version for each later change; every_reply: a version after every "
        "single reply; end_only: no partial versions, only when every check has ended.",
    )


class DeadlinesConfig(Section):
    """The whole of `config/deadlines.yaml`."""

    calendar: CalendarSettings = CalendarSettings()
    referral_due: ReferralDue = ReferralDue()
    partial_history: PartialHistory = PartialHistory()
    escalation: EscalationSettings

    @cached_property
    def working_calendar(self) -> WorkingCalendar:
        """The calendar, built once per loaded file (its bank holidays are worked out as years are asked for)."""
        return self.calendar.build()

    def referral_due_at(self, received_at: datetime, rag: Rag) -> datetime:
        """When the checks for a referral received at `received_at` with rating `rag` are due, in UTC."""
        return self.working_calendar.add(received_at, self.referral_due.for_rag(rag))


def read_deadlines_file(path: Path) -> DeadlinesConfig:
    """Read and validate `deadlines.yaml`; a `ConfigFileError`, one line naming the file and field, if it is wrong."""
    config = read_config_model(path, DeadlinesConfig, hint="Set HUB_CONFIG_DIR to the folder holding deadlines.yaml.")
    _check_urgent_first(path, config)
    return config


def load_deadlines(settings: HubSettings) -> DeadlinesConfig:
    """The deadlines file `settings` points at (`$HUB_CONFIG_DIR/deadlines.yaml`); a `UserError` if it is wrong."""
    try:
        return read_deadlines_file(settings.deadlines_file)
    except ConfigFileError as error:
        raise UserError(str(error)) from None


def referral_due_at(settings_or_config: HubSettings | DeadlinesConfig, received_at: datetime, rag: Rag) -> datetime:
    """When the checks for a referral are due: `received_at` plus its RAG rating's working time, in UTC.

    Given the hub's settings it reads the council's `deadlines.yaml`; a caller that works out many due
    times loads the file once (`load_deadlines`) and passes the config instead.
    """
    config = (
        settings_or_config if isinstance(settings_or_config, DeadlinesConfig) else load_deadlines(settings_or_config)
    )
    return config.referral_due_at(received_at, rag)


def _check_urgent_first(path: Path, config: DeadlinesConfig) -> None:
    """A redder rating never gets longer than a less urgent one (compared in working time)."""
    day = config.calendar.working_hours.day_length
    due = config.referral_due
    if not due.red.working_time(day) <= due.amber.working_time(day) <= due.green.working_time(day):
        raise ConfigFileError(
            f"{path}: field 'referral_due': red must be due no later than amber, and amber no later than green "
            f"(now red {due.red}, amber {due.amber}, green {due.green})."
        )
