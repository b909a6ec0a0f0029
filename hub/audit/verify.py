"""Checking the audit trail: the events against their signed checkpoints, the witness, and the stored rows.

One pass over the events recomputes every leaf hash and the tree, comparing the root at each
checkpoint's size with the root stored for it (cheap: a few hashes per checkpoint). Only the newest
checkpoint in the database and the newest in each witness file need their signatures checked: every
older root is compared with the recomputed tree, which those signed roots commit to. What each
check catches:

- an event edited: its leaf hash, or (if that was recomputed too) the root at the next checkpoint;
- an event inserted, deleted or reordered: the sequence numbers, or the roots from there on;
- a forged event appended (with a correct hash): no signed checkpoint covers it;
- the newest events cut, with their checkpoints: the witness holds a checkpoint the log no longer reaches;
- the log rebuilt consistently from scratch: without the key, no valid signature on its newest checkpoint;
- a stored row deleted, rolled back or swapped: it no longer matches its object's newest write event;
- unless its referral was destroyed under the retention schedule: a `retention.destroy` event after the
  write, and the destruction record it is bound to, intact. Those rows are counted as destroyed, not
  missing; one stored again after its destruction (an old backup restored over it) is a problem.

Messages name sequence numbers, checkpoint sizes and object ids: never any content.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from hashlib import sha256
from typing import Any

from hub.audit.chain import LEAF_FIELDS, AuditAction, AuditVerification, leaf_bytes
from hub.audit.checkpoint import Checkpoint
from hub.audit.merkle import NODE_PREFIX, Frontier
from hub.audit.note import NoteError, Verifier

WRITE_ACTIONS = frozenset(
    {
        AuditAction.REFERRAL_CREATE,
        AuditAction.REPLY_WRITE,
        AuditAction.CHRONOLOGY_WRITE,
        AuditAction.QUALITY_WRITE,
        AuditAction.DECISION_RECORD,
        AuditAction.DECISION_SIGN_OFF,
        AuditAction.RETENTION_DESTROY,
    }
)
"""Writes whose rows are bound to the log by their `record_digest`."""
DESTROY = AuditAction.RETENTION_DESTROY.value

MAX_WITNESS_LAG = 1
"""Checkpoints the witness may be behind the database: the one a crash between commit and witness write lost."""


@dataclass(frozen=True)
class StoredRow:
    """A row as the store holds it now: which write event should describe it, and its digest."""

    action: str
    object_id: str
    digest: str
    destruction_record: int | None = None
    """A destruction record's number (for `retention.destroy` rows), to name it beside what it destroyed."""


@dataclass(frozen=True)
class TreeHead:
    """The tree head row: the log's origin, and the size and right edge appends continue from."""

    origin: str
    size: int
    frontier: bytes


class TrailCheck:
    """Collects what verification finds; the first problem is the headline, all are kept."""

    def __init__(self, verifier: Callable[[], Verifier], watched: Iterable[int] = ()) -> None:
        self._verifier = verifier
        """Called only when a signature is to be checked, so an empty log needs no key."""
        self.watched = set(watched)
        """Sizes whose root the walk computes: the newest checkpoint's and each witness's."""
        self.roots: dict[int, bytes] = {}
        """The recomputed root at each watched size the log reaches."""
        self.frontier = Frontier()
        self.writes: dict[tuple[str, str], str | None] = {}
        """The newest write event's record digest for each (action, object id)."""
        self.destroyed: dict[str, int] = {}
        """Each referral with a `retention.destroy` event: the sequence number of its newest."""
        self.rewritten: set[tuple[str, str]] = set()
        """Bound objects written again after their referral's destruction (a referral stored again under its id)."""
        self.destroyed_rows = 0
        self.destroyed_notes: list[str] = []
        self.problems: list[tuple[str, int | None, int | None]] = []
        self.mismatch = False
        """Whether a signed root disagrees with the events, so `locate` should say where."""

    def problem(self, message: str, seq: int | None = None, checkpoint_size: int | None = None) -> None:
        self.problems.append((message, seq, checkpoint_size))

    def walk(self, events: Iterable[Sequence[Any]]) -> None:
        """Check every event, in order: rows of the 13 leaf fields then the stored leaf hash (hex)."""
        frontier, nodes, watched, roots = self.frontier, self.frontier.nodes, self.watched, self.roots
        writes, write_actions, destroyed, rewritten = self.writes, WRITE_ACTIONS, self.destroyed, self.rewritten
        separators = LEAF_FIELDS - 1  # `well_formed`, inlined.
        edited = misplaced = False
        for row in events:
            seq = row[0]
            if seq != frontier.size + 1 and not misplaced:
                misplaced = True
                what = "is missing" if seq > frontier.size + 1 else "is out of order or duplicated"
                self.problem(f"event {frontier.size + 1} {what} (found event {seq} in its place)", frontier.size + 1)
            leaf = leaf_bytes(*row[:13])
            digest = sha256(b"\x00" + leaf).digest()
            if (digest.hex() != row[13] or leaf.count(b"\x1f") != separators) and not edited:
                edited = True
                self.problem(f"event {seq} was edited: its fields do not match its leaf hash", seq)
            # Frontier.append, inlined: this loop runs once per event of the whole trail.
            node, size = digest, frontier.size
            while size & 1:
                node = sha256(NODE_PREFIX + nodes.pop() + node).digest()
                size >>= 1
            nodes.append(node)
            frontier.size += 1
            if frontier.size in watched:
                roots[frontier.size] = frontier.root()
            if row[4] in write_actions:
                writes[row[4], row[6]] = row[12]
                if row[4] == DESTROY:
                    destroyed[row[7]] = seq
                elif destroyed and row[7] in destroyed:
                    rewritten.add((row[4], row[6]))

    def locate(self, events: Iterable[Sequence[Any]], checkpoint_roots: Mapping[int, str]) -> None:
        """After a signed root disagreed: walk again, comparing the root at every stored checkpoint, to say where.

        `checkpoint_roots` are the stored roots (hex) by tree size, unsigned but for the newest: only read
        once something is wrong, as reading and recomputing them all would double a healthy run's time.
        """
        frontier, previous = Frontier(), 0
        for row in events:
            frontier.append(sha256(b"\x00" + leaf_bytes(*row[:13])).digest())
            stored = checkpoint_roots.get(frontier.size)
            if stored is None:
                continue
            if frontier.root().hex() != stored:
                self.problem(
                    f"the first difference is in events {previous + 1} to {frontier.size} (checkpoint "
                    f"{frontier.size}): one was edited, inserted, deleted or reordered there",
                    previous + 1,
                    frontier.size,
                )
                return
            previous = frontier.size

    def check_head(self, head: TreeHead | None) -> None:
        """The stored tree head must be exactly the recomputed one, or the next append would build on a lie."""
        size = self.frontier.size
        if head is None:
            if size:
                self.problem(f"the log's tree head is missing, though {size} events are stored")
            return
        if head.size != size or head.frontier != self.frontier.to_bytes():
            self.problem(f"the log's tree head (size {head.size}) does not match its {size} events")

    def check_newest(self, origin: str | None, size: int | None, note: str | None, stored_root: str | None) -> None:
        """The newest checkpoint must be signed by the hub's key, name this log and cover every event."""
        events = self.frontier.size
        if size is None or note is None:
            if events:
                self.problem(f"no signed checkpoint covers the log's {events} events", 1)
            return
        try:
            checkpoint = Checkpoint.open(note, self._verifier())
        except NoteError as error:
            self.problem(f"checkpoint {size} is not validly signed by the hub's audit key ({error})", None, size)
            return
        if checkpoint.size != size or checkpoint.origin != origin:
            self.problem(f"checkpoint {size} was signed for another log or size", None, size)
        elif checkpoint.root.hex() != stored_root:
            self.problem(f"checkpoint {size}'s stored root differs from the root it was signed with", None, size)
        if size in self.roots and self.roots[size] != checkpoint.root:
            self.mismatch = True
            self.problem(
                f"the log does not match its newest signed checkpoint {size}: an event was edited, inserted, "
                "deleted or reordered, or the log was rebuilt",
                None,
                size,
            )
        if size > events:
            self.problem(f"events {events + 1} to {size} were cut: checkpoint {size} covers them", events + 1, size)
        elif size < events:
            self.problem(
                f"events {size + 1} to {events} are not covered by any signed checkpoint (appended without the key)",
                size + 1,
                size,
            )

    def check_witness(
        self, name: str, note: str | None, behind: Callable[[int], int], retry: Callable[[], str | None]
    ) -> None:
        """The newest checkpoint on file must be signed, be one the database holds, and be at most one behind.

        `behind(size)` counts the database's checkpoints newer than `size`; `retry()` reads the witness
        again (a writer may have committed and not yet written it while this check ran).
        """
        if note is not None:
            try:
                checkpoint = Checkpoint.open(note, self._verifier())
            except NoteError as error:
                self.problem(f"the newest checkpoint in the witness {name} is not validly signed ({error})")
                return
            events = self.frontier.size
            if checkpoint.size > events:
                self.problem(
                    f"events {events + 1} to {checkpoint.size} were cut: the witness {name} holds checkpoint "
                    f"{checkpoint.size}",
                    events + 1,
                    checkpoint.size,
                )
                return
            if checkpoint.size and self.roots.get(checkpoint.size) != checkpoint.root:
                self.mismatch = True
                self.problem(
                    f"the log does not extend the witness {name}'s checkpoint {checkpoint.size}: it was rewritten",
                    None,
                    checkpoint.size,
                )
                return
        lag = behind(0 if note is None else Checkpoint.peek(note).size)
        if lag > MAX_WITNESS_LAG:
            again = retry()
            if again is not None and behind(Checkpoint.peek(again).size) <= MAX_WITNESS_LAG:
                return
            self.problem(f"the witness {name} is {lag} checkpoints behind the log: it was cut or not written")

    def check_rows(self, rows: Iterable[StoredRow], actions: Iterable[str]) -> None:
        """Every stored row matches its object's newest write event, and every written object still has its row,
        or was destroyed with its referral under the retention schedule (`retention.destroy`, record intact)."""
        expected = {key: digest for key, digest in self.writes.items() if key[0] in set(actions)}
        records: dict[str, int] = {}
        for row in rows:
            key = (row.action, row.object_id)
            if key not in expected:
                self.problem(f"{_kind(row.action)} {row.object_id} has no write event in the log: inserted or swapped")
                continue
            if expected.pop(key) != row.digest:
                self.problem(
                    f"{_kind(row.action)} {row.object_id} does not match what the log records as written: "
                    "rolled back, swapped or edited"
                )
            elif row.destruction_record is not None:
                records[_referral_of(row.object_id)] = row.destruction_record
            elif self._destroyed(key):
                self.problem(
                    f"{_kind(row.action)} {row.object_id} is stored again, though its referral was destroyed "
                    "under the retention schedule: restored from an old backup?"
                )
        gone: dict[str, int] = {}
        for action, object_id in sorted(expected):
            referral_id = _referral_of(object_id)
            if action != DESTROY and self._destroyed((action, object_id)) and referral_id in records:
                gone[referral_id] = gone.get(referral_id, 0) + 1
                continue
            self.problem(f"{_kind(action)} {object_id} was deleted: the log records writing it")
        self.destroyed_rows = sum(gone.values())
        self.destroyed_notes = [
            f"referral {referral_id}: {count} records destroyed under the retention schedule "
            f"(destruction record {records[referral_id]})"
            for referral_id, count in sorted(gone.items())
        ]

    def _destroyed(self, key: tuple[str, str]) -> bool:
        """Whether this object's newest write came before its referral's destruction."""
        return _referral_of(key[1]) in self.destroyed and key not in self.rewritten

    def result(self) -> AuditVerification:
        events, rows, notes = self.frontier.size, self.destroyed_rows, tuple(self.destroyed_notes)
        if not self.problems:
            message = f"audit trail verified: {events} events"
            return AuditVerification(True, events, message, destroyed_rows=rows, destroyed=notes)
        message, seq, size = self.problems[0]
        problems = tuple(problem for problem, _, _ in self.problems)
        return AuditVerification(False, events, message, seq, size, problems, destroyed_rows=rows, destroyed=notes)


def _kind(action: str) -> str:
    return {
        AuditAction.REFERRAL_CREATE: "referral",
        AuditAction.REPLY_WRITE: "agency reply",
        AuditAction.QUALITY_WRITE: "quality assessment",
        AuditAction.CHRONOLOGY_WRITE: "chronology version",
        AuditAction.DECISION_RECORD: "MASH decision",
        AuditAction.DECISION_SIGN_OFF: "MASH decision sign-off",
        AuditAction.RETENTION_DESTROY: "destruction record",
    }.get(AuditAction(action), action)


def _referral_of(object_id: str) -> str:
    """The referral a bound object belongs to: its id is the referral's, or begins with it and `/`."""
    return object_id.split("/", 1)[0]
