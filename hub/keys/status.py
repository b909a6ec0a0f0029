"""`hub keys status`: the key provider, its KEK versions, where the data keys are, and rotation progress.

Reads key metadata only (versions, epochs, counts): nothing personal, so it needs no sign-in and writes no
audit event. It never creates a key: a hub with no KEK yet says so (and what to run).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from hub.crypto import KeyProvider
from hub.settings import HubSettings
from hub.store import HubStore


@dataclass(frozen=True)
class EpochLine:
    """One epoch: its state in the key provider and how many data keys the database holds in it."""

    epoch: str
    state: str
    keys: int


@dataclass(frozen=True)
class KeyStatus:
    environment: str
    provider: str
    location: str
    versions: list[int]
    current_version: int | None
    min_decryption_version: int | None
    keys_per_version: dict[int, int]
    epochs: list[EpochLine]
    legacy_keys: int
    total_keys: int
    rotation_remaining: int
    """Data keys still wrapped by a version below the current one: an unfinished rotation if non-zero."""

    @property
    def rotation(self) -> str:
        if self.current_version is None:
            return "no KEK yet: run `hub keys init`"
        if not self.rotation_remaining:
            return f"complete: every data key is under version {self.current_version}"
        done = self.total_keys - self.rotation_remaining
        return (
            f"unfinished: {done} of {self.total_keys} data keys under version {self.current_version}; "
            "run `hub keys rotate` to carry on"
        )

    def as_json(self) -> dict[str, Any]:
        document = asdict(self)
        document["keys_per_version"] = {str(version): count for version, count in self.keys_per_version.items()}
        document["rotation"] = self.rotation
        return document


def key_status(store: HubStore, settings: HubSettings) -> KeyStatus:
    provider: KeyProvider = store.key_provider
    versions = provider.versions()
    current = versions[-1] if versions else None
    counts = store.key_counts()
    states = provider.epochs()
    names = sorted(set(states) | set(counts.per_epoch))
    return KeyStatus(
        environment=settings.environment,
        provider=provider.kind,
        location=provider.describe(),
        versions=versions,
        current_version=current,
        min_decryption_version=provider.min_decryption_version() if versions else None,
        keys_per_version=dict(sorted(counts.per_version.items())),
        epochs=[EpochLine(name, states.get(name, "unknown"), counts.per_epoch.get(name, 0)) for name in names],
        legacy_keys=counts.legacy,
        total_keys=counts.total,
        rotation_remaining=store.keys_below(current) if current is not None else counts.total,
    )


def status_lines(status: KeyStatus) -> list[str]:
    """The fixed, readable layout `hub keys status` prints (aligned columns, one fact per line)."""
    versions = ", ".join(map(str, status.versions)) or "none"
    lines = [
        f"{'Environment':<26}{status.environment}",
        f"{'Key provider':<26}{status.provider} ({status.location})",
        f"{'KEK versions':<26}{versions}",
        f"{'Current version':<26}{status.current_version or '-'}",
        f"{'Minimum decryption':<26}{status.min_decryption_version or '-'}",
        f"{'Rotation':<26}{status.rotation}",
        "",
        f"{'Data keys per KEK version':<26}{'keys':>10}",
    ]
    lines += [f"  {'version ' + str(version):<24}{count:>10}" for version, count in status.keys_per_version.items()]
    lines += [f"  {'total':<24}{status.total_keys:>10}", "", f"{'Epoch':<26}{'keys':>10}  state"]
    if status.legacy_keys:
        lines.append(f"  {'(legacy, no epoch)':<24}{status.legacy_keys:>10}  -")
    lines += [f"  {line.epoch:<24}{line.keys:>10}  {line.state}" for line in status.epochs]
    if not status.epochs and not status.legacy_keys:
        lines.append("  (none yet)")
    return lines
