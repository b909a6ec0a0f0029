"""`hub sandbox referrals`: a year of referrals written to a folder, published only when complete.

    DIR/<referral_id>.json     one referral each, as `hub referral submit` reads it
    DIR/manifest.csv           one row per referral: non-personal facts for tests and reports
    DIR/organisations.csv      every referrer organisation: type, name, quality profile, pupils on roll
    DIR/schools.csv            the schools register (`dfe_number,name,pupils`), as `hub insight load-schools` reads it

File names are the referrals' opaque ids, never a name; neither CSV holds anything about a person.
The folder is written beside its final place and renamed into it at the end, so an interrupted run
leaves nothing half-written, and a folder that already holds files is replaced only when asked.
"""

from __future__ import annotations

import csv
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sandbox.population.dataset import Dataset
from sandbox.referrals.families import School, read_families
from sandbox.referrals.referrers import Organisation
from sandbox.referrals.year import MANIFEST_COLUMNS, ReferralYear, YearRequest

FIRST_YEAR, LAST_YEAR = 2017, 2027
"""The world's records cover the ten years to 2 November 2026 (`sandbox.model.truth.REFERENCE_DATE`)."""
MAX_SCALE = 100.0
ORGANISATION_COLUMNS = ("org_id", "referrer_kind", "name", "sort", "quality_profile", "refers", "pupils")
REGISTER_COLUMNS = ("dfe_number", "name", "pupils")


class ReferralYearError(ValueError):
    """A request that cannot be met; the message names the option and says what to do."""


def check_request(year: int, seed: int, scale: float) -> YearRequest:
    """Refuse an impossible year, seed or scale before anything is read or written."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ReferralYearError(
            f"year: must be from {FIRST_YEAR} to {LAST_YEAR}, the years the generated world covers (got {year})"
        )
    if seed < 0:
        raise ReferralYearError(f"seed: must be 0 or more (got {seed})")
    if not 0 < scale <= MAX_SCALE:
        raise ReferralYearError(f"scale: must be more than 0 and at most {MAX_SCALE:g} (got {scale:g})")
    return YearRequest(year, seed, scale)


def _check_out(out: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise ReferralYearError(f"{out} is a file, not a folder. Choose another --out.")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise ReferralYearError(f"{out} is not empty. Choose an empty or new folder, or pass --force to replace it.")


@dataclass
class YearReport:
    """What was written, for the command line's summary and for tests."""

    directory: Path
    referrals: int = 0
    expected: float = 0.0
    children: int = 0
    seconds: float = 0.0
    by_kind: Counter[str] = field(default_factory=Counter)
    re_referrals: int = 0
    in_future: int = 0

    def summary(self) -> list[str]:
        share = self.re_referrals / self.referrals if self.referrals else 0.0
        lines = [
            f"{self.referrals:,} referrals about {self.children:,} children written to {self.directory} "
            f"in {self.seconds:.1f} s; {share:.0%} are re-referrals within 12 months.",
            "  by referrer: " + ", ".join(f"{kind} {count:,}" for kind, count in self.by_kind.most_common()),
        ]
        if self.in_future:
            lines.append(
                f"  {self.in_future:,} are dated after now: intake refuses a received time in the future until then."
            )
        return lines


def _write_organisations(path: Path, organisations: list[Organisation]) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(ORGANISATION_COLUMNS)
        for org in organisations:
            refers = "yes" if org.propensity > 0 else "no"
            pupils = "" if org.pupils is None else org.pupils
            writer.writerow((org.org_id, org.kind.value, org.name, org.sort, org.profile, refers, pupils))


def _write_register(path: Path, schools: list[School]) -> None:
    """Every school of the world with its roll, referring or not: what a council exports from GIAS."""
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(REGISTER_COLUMNS)
        writer.writerows((school.dfe_number, school.name, school.pupils) for school in schools)


def write_year(
    dataset: Dataset,
    request: YearRequest,
    out: Path,
    *,
    force: bool = False,
    now: datetime | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> YearReport:
    """Generate `request`'s year from the population in `dataset` into the folder `out`."""
    _check_out(out, force)
    started = time.perf_counter()
    families = read_families(dataset, request.year)
    year = ReferralYear(families, request)
    now = now or datetime.now(UTC)
    report = YearReport(out, expected=year.expected)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    children: set[str] = set()
    try:
        with (staging / "manifest.csv").open("w", newline="", encoding="utf-8") as file:
            manifest = csv.DictWriter(file, MANIFEST_COLUMNS, lineterminator="\n")
            manifest.writeheader()
            for generated in year.referrals(on_progress):
                referral = generated.referral
                document = referral.model_dump_json(indent=2, exclude_defaults=True)
                (staging / f"{referral.referral_id}.json").write_text(document + "\n", encoding="utf-8")
                manifest.writerow(generated.manifest_row())
                report.referrals += 1
                report.by_kind[referral.referrer.kind.value] += 1
                report.re_referrals += generated.re_referral
                report.in_future += referral.received_at > now
                children.add(generated.child_key)
        _write_organisations(staging / "organisations.csv", year.organisations)
        _write_register(staging / "schools.csv", list(families.schools.values()))
        staging.chmod(0o755)
        if out.exists():
            shutil.rmtree(out)
        staging.replace(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    report.children = len(children)
    report.seconds = time.perf_counter() - started
    return report
