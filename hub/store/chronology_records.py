"""Each child's chronology versions, sealed under that child's own data key.

A mixin of `HubStore` (see `hub.store.audited` for why the store is put together this way). Saving
adds a version only when entries or checks changed, so re-running assembly is idempotent; every
version read is audited, and so is a read that found nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import get_args, get_origin, overload

from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from hub.audit import AuditAction
from hub.crypto import canonical_json, encrypt, row_aad
from hub.store.audited import AuditedStore
from hub.store.bound_rows import (
    check_written,
    chronology_digest,
    chronology_object_id,
    chronology_version,
    written,
)
from hub.store.canonical_models import Buffer, CanonicalWriter, canonical_writer
from hub.store.check_ledger import current_revision
from hub.store.errors import UnknownReferral
from hub.store.gc_pause import collector_paused
from hub.store.keys import child_key_id, data_key
from hub.store.tables import ChronologyVersionRow, ReferralRow
from hub.store.unreadable import SealedRecord
from schemas import Chronology

DEFAULT_CHRONOLOGY_PURPOSE = "MASH chronology assembly"


def chronology_content(chronology: Chronology) -> bytes:
    """What makes two versions "the same": entries and checks, not version number or assembly time."""
    return _Serialised(chronology).content


class _Serialised:
    """A chronology's canonical JSON, made once: the bytes its digest is taken over, and the stored document.

    Why: a 10,000-entry chronology's entries are most of its bytes, and serialising them was most of
    saving it (issue 17). Canonical JSON (`canonical_json`: sorted keys, no spaces) of a list or an
    object is its members' canonical JSON joined, so the entries and checks are serialised once, by
    `hub.store.canonical_models` (the bytes `canonical_json` gives, made several times faster), and
    joined into both:

    - `content`, exactly `canonical_json({"schema_version", "entries", "checks"})` as digests have
      always been taken over (so an unchanged chronology still matches the version stored before);
      saving feeds its pieces to the digest (`content_digest`) without joining them;
    - `document(version)`, exactly `canonical_json` of the whole chronology with that version number:
      what is encrypted and stored. Readers parse it as any JSON (`Chronology.model_validate_json`).
    """

    def __init__(self, chronology: Chronology) -> None:
        self._chronology = chronology
        self._entries = _LISTS["entries"].pieces(chronology.entries)
        self._checks = _LISTS["checks"].pieces(chronology.checks)
        self._content = _object_pieces(
            {"checks": self._checks, "entries": self._entries, "schema_version": [_value(chronology.schema_version)]}
        )

    @property
    def content(self) -> bytes:
        return b"".join(self._content)

    def content_digest(self, key: bytes) -> str:
        """`keyed_digest(key, "chronology", content)`, with the content fed to the HMAC in its pieces.

        Why not `keyed_digest`: the content is megabytes, and joining it, then `keyed_digest` prefixing
        its domain, made two more copies, each in memory the process had to be given afresh. A test holds
        the two equal.
        """
        digest = hmac.new(key, _CONTENT_DOMAIN, hashlib.sha256)
        for piece in self._content:
            digest.update(piece)
        return digest.hexdigest()

    def document(self, version: int) -> bytes:
        """The stored document: lists of models by `hub.store.canonical_models` (the household graph can hold
        thousands of edges too), the few other fields the plain way."""
        members: dict[str, list[Buffer]] = {"entries": self._entries, "checks": self._checks}
        members["version"] = [_value(version)]
        lists = _LISTS.keys() - members.keys()
        members.update((name, _LISTS[name].pieces(getattr(self._chronology, name))) for name in lists)
        rest = self._chronology.model_dump(mode="json", exclude=set(members))
        members.update((name, [_value(value)]) for name, value in rest.items())
        return _joined(members)


def _list_writers() -> dict[str, CanonicalWriter]:
    """A writer for each of a chronology's fields that holds a list of models (entries, checks, links, ...)."""
    writers = {}
    for name, field in Chronology.model_fields.items():
        items = get_args(field.annotation)
        if get_origin(field.annotation) is list and isinstance(items[0], type) and issubclass(items[0], BaseModel):
            writers[name] = canonical_writer(items[0])
    return writers


_LISTS = _list_writers()


def _value(value: object) -> bytes:
    return canonical_json(value)


def _joined(members: dict[str, list[Buffer]]) -> bytes:
    """The canonical JSON object with these members (each canonical JSON, in pieces), keys in sorted order.

    Joined in one step: the entries are megabytes, and each join of them on the way would copy them again.
    """
    return b"".join(_object_pieces(members))


def _object_pieces(members: dict[str, list[Buffer]]) -> list[Buffer]:
    """`_joined`'s bytes, in pieces."""
    pieces: list[Buffer] = [b"{"]
    for name in sorted(members):
        pieces += (canonical_json(name), b":", *members[name], b",")
    pieces[-1:] = [b"}"] if members else [b"{}"]
    return pieces


_CONTENT_DOMAIN = b"chronology|"
"""What `keyed_digest` puts before the payload for the domain "chronology" (`_Serialised.content_digest`)."""


class ParsedChronologies:
    """The last few chronology versions read, as parsed models, keyed by the row and its ciphertext's digest.

    Why: a referral page reads each child's newest version on every view, and parsing a history of
    1,000 entries (about 440 KB of JSON into pydantic models) was the largest single cost of the page
    (12 ms a child; issue 14). A version never changes once written, so the parse is kept for reuse.

    What is not skipped: on every read the row is still checked against the audit log (`_check_bound`),
    still decrypted and authenticated under its key (AES-GCM: a row altered, moved or whose key was
    destroyed fails here, whatever is held), and still audited. Only the JSON parse of a plaintext that
    has just been verified is skipped, and only when the key — object id, key id and the SHA-256 record
    digest of the ciphertext the log vouched for — is exactly one parsed before: any change to the
    stored row (new version, re-encryption, tampering) is a different key and misses. A tampered row
    therefore never reaches the held models.

    The trade-off: personal data (the parsed chronologies) stays in the web process's memory between
    requests, up to `size` versions, longer than one request would hold it. It is never written to disk
    or logged, is held in this process only, and goes when evicted (least recently used) or when the
    process ends; a version erased from the store stays held until then but can no longer be served,
    as no row leads to it. Models are frozen and no reader changes a chronology's lists, so one parsed
    version may be shared by concurrent requests.
    """

    def __init__(self, size: int = 8) -> None:
        self._size = size
        self._held: OrderedDict[tuple[str, str, str], Chronology] = OrderedDict()
        self._lock = threading.Lock()

    def parsed(self, key: tuple[str, str, str], document: bytes) -> Chronology:
        """The version `document` (just decrypted and authenticated) holds, parsed once per `key`."""
        with self._lock:
            held = self._held.get(key)
            if held is not None:
                self._held.move_to_end(key)
                return held
        chronology = Chronology.model_validate_json(document)
        with self._lock:
            self._held[key] = chronology
            self._held.move_to_end(key)
            while len(self._held) > self._size:
                self._held.popitem(last=False)
        return chronology

    def clear(self) -> None:
        with self._lock:
            self._held.clear()


PARSED = ParsedChronologies()
"""The process's parsed versions (see `ParsedChronologies` for what is held, and why that is safe)."""


class ChronologyRecords(AuditedStore):
    """Versioned chronologies: write the next version, read the latest or a given one, list versions."""

    def assembly_revision(self, referral_id: str) -> int:
        """The referral's assembly revision: read it before reading what a chronology is assembled from."""
        with self._sessions() as session:
            return current_revision(session, referral_id)

    @overload
    def save_chronology(
        self, chronology: Chronology, *, actor: str, purpose: str = ..., revision: None = None
    ) -> int: ...

    @overload
    def save_chronology(
        self, chronology: Chronology, *, actor: str, purpose: str = ..., revision: int
    ) -> int | None: ...

    def save_chronology(
        self,
        chronology: Chronology,
        *,
        actor: str,
        purpose: str = DEFAULT_CHRONOLOGY_PURPOSE,
        revision: int | None = None,
    ) -> int | None:
        """Store a chronology as the child's next version and return its number.

        The incoming `version` is ignored. If entries and checks equal the latest version's, nothing
        is written and that version's number is returned, so re-running assembly is idempotent.
        With `revision` (`assembly_revision`, read before the inputs were), nothing is written and
        None is returned if anything has changed since: a newer assembly is due and will store it.
        The chronology is serialised once (`_Serialised`), with the cycle collector paused (`hub.store.gc_pause`).
        """
        referral_id, child = chronology.referral_id, chronology.child_subject_id
        with collector_paused(), self._audited(actor, purpose) as (session, access, now):
            if session.get(ReferralRow, referral_id) is None:
                raise UnknownReferral(referral_id)
            if revision is not None and current_revision(session, referral_id) != revision:
                return None
            serialised = _Serialised(chronology)
            digest = serialised.content_digest(self._digest_key(session, now))
            latest = session.execute(
                select(ChronologyVersionRow.version, ChronologyVersionRow.digest)
                .where(
                    ChronologyVersionRow.referral_id == referral_id,
                    ChronologyVersionRow.child_subject_id == child,
                )
                .order_by(ChronologyVersionRow.version.desc())
                .limit(1)
            ).first()
            if latest is not None and latest.digest == digest:
                return int(latest.version)
            version = 1 if latest is None else int(latest.version) + 1
            key_id = child_key_id(referral_id, child)
            key = data_key(session, self._keyring, key_id, now=now)
            aad = row_aad("chronology", referral_id, child, version)
            ciphertext = encrypt(key, serialised.document(version), aad)
            session.add(
                ChronologyVersionRow(
                    referral_id=referral_id,
                    child_subject_id=child,
                    version=version,
                    assembled_at=chronology.assembled_at,
                    key_id=key_id,
                    ciphertext=ciphertext,
                    digest=digest,
                )
            )
            session.flush()
            object_id = chronology_object_id(referral_id, child, version)
            written_digest = chronology_digest(referral_id, child, version, ciphertext)
            self._audit(session, access, now, AuditAction.CHRONOLOGY_WRITE, object_id, referral_id, written_digest)
            return version

    def latest_chronologies(self, referral_id: str, *, actor: str, purpose: str) -> list[Chronology]:
        """The latest version of each child's chronology, ordered by child; one audit event per chronology."""
        newest = (
            select(ChronologyVersionRow.child_subject_id, func.max(ChronologyVersionRow.version).label("version"))
            .where(ChronologyVersionRow.referral_id == referral_id)
            .group_by(ChronologyVersionRow.child_subject_id)
            .subquery()
        )
        query = (
            select(ChronologyVersionRow)
            .join(
                newest,
                (ChronologyVersionRow.child_subject_id == newest.c.child_subject_id)
                & (ChronologyVersionRow.version == newest.c.version),
            )
            .where(ChronologyVersionRow.referral_id == referral_id)
            .order_by(ChronologyVersionRow.child_subject_id)
        )
        return self._read_chronologies(referral_id, query, referral_id, newest=True, actor=actor, purpose=purpose)

    def record_history_export(
        self, referral_id: str, versions: Sequence[tuple[str, int]], *, actor: str, purpose: str
    ) -> None:
        """Record that `actor` took these chronology versions (child subject id, version) out of the hub.

        Reading them was audited already; an export is recorded as well, one `chronology.export` event
        per version, because a document outside the hub is a disclosure IG must be able to find
        (`hub audit search --action chronology.export`). Call it before handing the document over, so
        an export that fails after this point is still on record.
        """
        with self._audited(actor, purpose) as (session, access, now):
            for object_id in [f"{referral_id}/{child}/v{version}" for child, version in versions] or [referral_id]:
                self._audit(session, access, now, AuditAction.CHRONOLOGY_EXPORT, object_id, referral_id)

    def load_chronology(
        self, referral_id: str, child_subject_id: str, version: int, *, actor: str, purpose: str
    ) -> Chronology | None:
        """One specific version (e.g. to diff against the latest), or None if it does not exist."""
        query = select(ChronologyVersionRow).where(
            ChronologyVersionRow.referral_id == referral_id,
            ChronologyVersionRow.child_subject_id == child_subject_id,
            ChronologyVersionRow.version == version,
        )
        requested = f"{referral_id}/{child_subject_id}/v{version}"
        found = self._read_chronologies(referral_id, query, requested, newest=False, actor=actor, purpose=purpose)
        return found[0] if found else None

    def chronology_versions(self, referral_id: str, child_subject_id: str) -> list[int]:
        """Version numbers stored for one child; metadata only, so not audited."""
        with self._sessions() as session:
            return list(
                session.scalars(
                    select(ChronologyVersionRow.version)
                    .where(
                        ChronologyVersionRow.referral_id == referral_id,
                        ChronologyVersionRow.child_subject_id == child_subject_id,
                    )
                    .order_by(ChronologyVersionRow.version)
                )
            )

    def _read_chronologies(
        self,
        referral_id: str,
        query: Select[ChronologyVersionRow],
        requested: str,
        *,
        newest: bool,
        actor: str,
        purpose: str,
    ) -> list[Chronology]:
        """Decrypt the rows `query` selects, auditing each one (or the attempt, if none matched).

        First each row is checked against the audit log (`_check_bound`): `newest` when `query`
        selects each child's newest version, `requested` otherwise.
        """
        with self._audited(actor, purpose) as (session, access, now):
            documents: list[tuple[tuple[str, str, str], bytes]] = []
            rows = list(session.scalars(query))
            digests = _check_bound(session, referral_id, rows, None if newest else requested)
            for row in rows:
                record = SealedRecord.chronology(row.referral_id, row.child_subject_id, row.version)
                document = self._open(session, record, row.key_id, row.ciphertext)
                object_id = chronology_object_id(row.referral_id, row.child_subject_id, row.version)
                documents.append(((object_id, row.key_id, digests[object_id]), document))
                self._audit(session, access, now, AuditAction.CHRONOLOGY_READ, object_id, referral_id)
            if not documents:
                self._audit(session, access, now, AuditAction.CHRONOLOGY_READ, requested, referral_id)
        return [PARSED.parsed(key, document) for key, document in documents]


def _check_bound(
    session: Session, referral_id: str, rows: list[ChronologyVersionRow], requested: str | None
) -> dict[str, str]:
    """Raise `RecordTampered` unless `rows` are exactly what the audit log says was last written.

    Returns each row's record digest (object id -> digest), as the log has it: what `PARSED` is keyed by.

    For one `requested` version: its row matches its write event (or both are absent). For the newest
    versions (`requested` None): besides, each child the log wrote has a row, and it is the newest
    version the log wrote, so a deleted newest version never lets an older one pass for current.
    """
    action = AuditAction.CHRONOLOGY_WRITE
    log = written(session, referral_id, action)
    stored = {
        chronology_object_id(row.referral_id, row.child_subject_id, row.version): chronology_digest(
            row.referral_id, row.child_subject_id, row.version, row.ciphertext
        )
        for row in rows
    }
    if requested is not None:
        check_written(log, action, requested, stored.get(requested))
        return stored
    newest: dict[str, int] = {}
    for object_id in log:
        child, version = chronology_version(object_id)
        newest[child] = max(version, newest.get(child, 0))
    expected = {chronology_object_id(referral_id, child, version) for child, version in newest.items()}
    for object_id in sorted(expected | set(stored)):
        check_written(log, action, object_id, stored.get(object_id))
    return stored
