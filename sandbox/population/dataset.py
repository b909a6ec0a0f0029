"""A generated population on disk: a manifest, the ground truth, and one file per agency.

    DIR/manifest.json      settings, counts, the noise actually produced, file checksums
    DIR/truth.sqlite       people, households, relationships and life events as they really are
    DIR/health.sqlite      what each agency holds, in its own terms (see `sandbox.population.tables`)
    DIR/police.sqlite
    DIR/education.sqlite
    DIR/housing.sqlite

A dataset is written into a temporary sibling folder and renamed into place only when complete,
so a failed or interrupted generation never leaves a half-written population behind. Writing
is deterministic: the same population gives byte-identical files.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from sandbox.common.store import Database, DatabaseWriter
from sandbox.model.truth import Population
from sandbox.population.tables import DATABASES

FORMAT = "mash-hub-sandbox-population"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"


class DatasetError(Exception):
    """A dataset folder that cannot be written or read; the message says what to do."""


def _records(population: Population) -> dict[str, dict[str, list[Any]]]:
    return {
        "truth": {
            "people": list(population.people.values()),
            "households": population.households,
            "relationships": population.relationships,
            "events": population.events,
        },
        "health": {
            "patients": population.health.patients,
            "encounters": population.health.encounters,
            "flags": population.health.flags,
        },
        "police": {
            "nominals": population.police.nominals,
            "occurrences": population.police.occurrences,
            "notices": population.police.notices,
        },
        "education": {"pupils": population.education.pupils},
        "housing": {
            "people": population.housing.people,
            "tenancies": population.housing.tenancies,
            "homelessness": population.housing.homelessness,
        },
    }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class DatasetWriter:
    """Writes a population in batches; `finish` indexes, checksums and moves it into place."""

    def __init__(self, directory: Path, *, overwrite: bool = False) -> None:
        self.directory = directory
        if directory.exists() and not directory.is_dir():
            raise DatasetError(f"{directory} is a file, not a folder. Choose another --out.")
        if directory.is_dir() and any(directory.iterdir()) and not overwrite:
            raise DatasetError(
                f"{directory} is not empty. Choose an empty or new folder, or pass --force to replace it."
            )
        directory.parent.mkdir(parents=True, exist_ok=True)
        self._staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
        self._databases = {
            stem: DatabaseWriter(self._staging / f"{stem}.sqlite", specs) for stem, specs in DATABASES.items()
        }
        self.counts: dict[str, dict[str, int]] = {}

    def add(self, population: Population) -> None:
        """Append a batch of households (and their agency records) to every file."""
        for stem, tables in _records(population).items():
            for name, records in tables.items():
                self._databases[stem].tables[name].write(records)

    def finish(self, manifest: Mapping[str, Any]) -> Path:
        """Index every file, write the manifest with counts and checksums, and publish the folder."""
        files: dict[str, dict[str, Any]] = {}
        counts: dict[str, dict[str, int]] = {}
        for stem, database in self._databases.items():
            counts[stem] = {name: table.written for name, table in database.tables.items()}
            database.finish()
            path = database.path
            files[path.name] = {"bytes": path.stat().st_size, "sha256": _sha256(path)}
        self.counts = counts
        document = {"format": FORMAT, "format_version": FORMAT_VERSION, **manifest, "counts": counts, "files": files}
        (self._staging / MANIFEST).write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        self._staging.chmod(0o755)
        if self.directory.exists():
            shutil.rmtree(self.directory)
        self._staging.replace(self.directory)
        return self.directory

    def abandon(self) -> None:
        for database in self._databases.values():
            database.abandon()
        shutil.rmtree(self._staging, ignore_errors=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if exc_type is not None:
            self.abandon()


def write_population(population: Population, directory: Path, manifest: Mapping[str, Any], **options: Any) -> Path:
    """Write a whole in-memory population (small ones: tests, the sample family) as a dataset."""
    with DatasetWriter(directory, **options) as writer:
        writer.add(population)
        return writer.finish(manifest)


class Dataset:
    """A published dataset folder, opened read-only."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        manifest_path = directory / MANIFEST
        try:
            self.manifest: dict[str, Any] = json.loads(manifest_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DatasetError(
                f"{directory} holds no sandbox population (no {MANIFEST}). Create one with 'hub sandbox generate'."
            ) from None
        except (OSError, ValueError):
            raise DatasetError(f"{manifest_path} cannot be read. Generate the population again.") from None
        if self.manifest.get("format") != FORMAT or self.manifest.get("format_version") != FORMAT_VERSION:
            raise DatasetError(f"{directory} was written by an incompatible generator. Generate the population again.")

    def database(self, stem: str) -> Database:
        """One agency's file (or "truth"), read-only."""
        path = self.directory / f"{stem}.sqlite"
        try:
            return Database(path, DATABASES[stem])
        except FileNotFoundError:
            raise DatasetError(f"{path} is missing. Generate the population again.") from None

    @property
    def seed(self) -> int:
        return int(self.manifest["seed"])
