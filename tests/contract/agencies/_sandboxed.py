"""Contract test doubles backed by the agency sandboxes, over one small generated population.

The population is written once per work folder and includes the sample family, so the sample
referral's first child is held by every agency; the unknown subject is held by none. Each double
is the sandbox's app behind its authentication gateway (as `hub sandbox up` serves it, but
without its fault injector, which the kit adds), with credentials issued for this run.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import date
from pathlib import Path

from connectors.sdk.auth import CREDENTIALS_FILE
from connectors.testing import ContractAgency
from sandbox.assembly import AGENCY_MODULES, assemble
from sandbox.common.auth.credentials import CredentialKind
from sandbox.common.settings import AgencySandbox
from sandbox.common.tls import ensure_dev_pki
from sandbox.population.dataset import MANIFEST, Dataset
from sandbox.world.default import write_default_population
from schemas import Person, PersonName, Referral, Sex, Subject, SubjectRole
from tests.conftest import REPO_ROOT, SAMPLE_REFERRAL

SAMPLES_DIR = REPO_ROOT / "tests" / "fixtures" / "native"
POPULATION_PEOPLE = 300
KNOWN_SUBJECT_ID = "S1"
UNKNOWN_SUBJECT = Subject(
    subject_id="S9",
    role=SubjectRole.SUBJECT_CHILD,
    person=Person(
        name=PersonName(given_names=["Zephyrine"], family_name="Quillfeather"),
        birth_date=date(2014, 2, 28),
        sex=Sex.FEMALE,
    ),
)


@functools.cache
def population(workdir: Path) -> Dataset:
    """The population in `workdir/population`, generated on first use."""
    directory = workdir / "population"
    if not (directory / MANIFEST).exists():
        write_default_population(directory, people=POPULATION_PEOPLE)
    return Dataset(directory)


def native_samples(sandbox: str) -> tuple[Path, ...]:
    """The captured native documents of one agency (`tests/fixtures/native/<agency>/`)."""
    return tuple(sorted(path for path in (SAMPLES_DIR / sandbox).glob("*") if path.is_file()))


def sandboxed_agency(
    sandbox: str, workdir: Path, *, auth: CredentialKind = "none", status_codes: Mapping[int, str] | None = None
) -> ContractAgency:
    """The `sandbox` agency over the population, authenticating with `auth`, with its samples and subjects.

    `mutual_tls` serves it over HTTPS requiring a client certificate, from a development CA in `workdir`.
    """
    module = AGENCY_MODULES[sandbox]
    settings = AgencySandbox(auth=auth, tls="mutual" if auth == "mutual_tls" else "off")
    pki = ensure_dev_pki(workdir / "tls") if settings.tls != "off" else None
    assembled = assemble(sandbox, population(workdir).database(sandbox), settings, pki)
    issued = {sandbox: assembled.client.connector_credentials()}
    referral = Referral.model_validate_json(SAMPLE_REFERRAL.read_text(encoding="utf-8"))
    return ContractAgency(
        app=assembled.faults.app,
        render_error=module.render_error,
        malformed_body=module.malformed_body,
        known_subject=referral.subject(KNOWN_SUBJECT_ID),
        unknown_subject=UNKNOWN_SUBJECT,
        credentials=None if auth == "none" else CREDENTIALS_FILE.validate_python(issued)[sandbox],
        samples=native_samples(sandbox),
        status_codes=dict(status_codes or {}),
        server_tls=assembled.ssl_kwargs,
    )
