"""`hub linkage learn` and `hub linkage report`: practitioners' review decisions as labels, per agency.

Gathering the labels reads personal data across referrals (each decided pair's referral person and
the agency's answer), so it needs `linkage.manage` (a refusal is audited) and every read goes through
the store's audited paths with the purpose below. What is printed is only figures. Learning itself
(`hub.linkage.learning`) reads nothing and writes nothing; files change only with `--out` or `--apply`.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from hub.access.permissions import Permission
from hub.errors import UserError

if TYPE_CHECKING:
    from hub.access.guard import SignedIn
    from hub.linkage.engine import Linker
    from hub.linkage.learning import DecidedPair, LearningOptions, Learnt
    from schemas import AgencyReply

LEARN_PURPOSE = "identity linkage learning from review decisions"


def decided_pairs(signed: SignedIn) -> tuple[list[DecidedPair], dict[str, int]]:
    """Every decided review's pair, and per agency how many can no longer be judged (the answer was replaced)."""
    from hub.linkage.learning import DecidedPair
    from hub.store import ReviewStatus

    store, actor = signed.store, signed.actor
    pairs: list[DecidedPair] = []
    unavailable: Counter[str] = Counter()
    with signed.permit(Permission.LINKAGE_MANAGE, purpose=LEARN_PURPOSE):
        decided = sorted(store.decided_reviews(), key=lambda review: (review.referral_id, review.review_id))
        for referral_id, reviews in groupby(decided, key=lambda review: review.referral_id):
            referral = store.load_referral(referral_id, actor=actor, purpose=LEARN_PURPOSE)
            replies: dict[tuple[str, str], AgencyReply | None] = {}
            for review in reviews:
                key = (review.agency, review.subject_id)
                if key not in replies:
                    replies[key] = store.load_reply(referral_id, *key, actor=actor, purpose=LEARN_PURPOSE)
                reply = replies[key]
                if reply is None or all(c.agency_person_id != review.agency_person_id for c in reply.candidates):
                    unavailable[review.agency] += 1
                    continue
                pairs.append(
                    DecidedPair(
                        review_id=review.review_id,
                        agency=review.agency,
                        confirmed=review.status is ReviewStatus.CONFIRMED,
                        person=referral.subject(review.subject_id).person,
                        candidates=reply.candidates,
                        agency_person_id=review.agency_person_id,
                    )
                )
    return pairs, dict(unavailable)


def settings_file(config: Path | None) -> Path:
    from hub.linkage.settings import SETTINGS_FILE
    from hub.settings import HubSettings

    return config or HubSettings.from_env().config_dir / SETTINGS_FILE


def _linker(path: Path) -> Linker:
    from hub.linkage.engine import load_linker
    from schemas.config_files import ConfigFileError

    try:
        return load_linker(path)
    except ConfigFileError as error:
        raise UserError(str(error)) from None


def learnt_from_decisions(signed: SignedIn, config: Path | None, options: LearningOptions) -> tuple[Learnt, Path]:
    """What the decided reviews teach, against the configured (or `config`) settings and model; nothing written."""
    from hub.linkage.learning import learn

    path = settings_file(config)
    linker = _linker(path)
    pairs, unavailable = decided_pairs(signed)
    learnt = learn(linker, pairs, learnt_on=datetime.now(UTC).date(), options=options, unavailable=unavailable)
    return learnt, path


def report_command(
    signed: SignedIn, *, config: Path | None, options: LearningOptions, as_json: bool, console: Console
) -> None:
    """`hub linkage report`: per agency, the decisions so far and how the current and learnt parameters judge them."""
    from hub.linkage.learning_report import print_report

    learnt, _ = learnt_from_decisions(signed, config, options)
    print_report(learnt.agencies, as_json=as_json, out=console)


def learn_command(
    signed: SignedIn,
    *,
    config: Path | None,
    options: LearningOptions,
    out: Path | None,
    apply: bool,
    as_json: bool,
    console: Console,
) -> None:
    """`hub linkage learn`: the report, then (only with `--out DIR` or `--apply`) the new model and settings files."""
    from hub.linkage.learning_report import print_report

    if out is not None and apply:
        raise UserError("Give either --out DIR (write new files there) or --apply (replace the configured ones).")
    if out is not None and not out.is_dir():
        raise UserError(f"Cannot write to {out}: not a folder. Create it first, or give another with --out.")
    learnt, path = learnt_from_decisions(signed, config, options)
    written = None
    if (out is not None or apply) and learnt.agencies:
        written = _write(learnt, path, out or path.parent)
    print_report(learnt.agencies, as_json=as_json, out=console, written=written)
    if written is None and not as_json:
        if not learnt.agencies:
            return
        console.print(
            "Dry run: nothing written. Write the learnt files with --out DIR to try them "
            "(`hub linkage evaluate --config DIR/linkage.yaml`), or --apply to replace the configured ones."
        )


def _write(learnt: Learnt, settings_path: Path, folder: Path) -> dict[str, str]:
    from hub.linkage.learning_files import settings_text, write_learnt
    from hub.linkage.settings import model_path
    from schemas.config_files import ConfigFileError

    model_target = model_path(folder / settings_path.name, learnt.settings)
    settings_target = folder / settings_path.name
    if not model_target.parent.is_dir():
        raise UserError(f"Cannot write {model_target}: the folder {model_target.parent} does not exist.")
    try:
        current = settings_path.read_text(encoding="utf-8")
        text = settings_text(current, learnt.settings.agency_thresholds, learnt_on=datetime.now(UTC).date().isoformat())
        write_learnt(learnt.model, model_target, text, settings_target)
    except ConfigFileError as error:
        raise UserError(str(error)) from None
    except OSError as error:
        raise UserError(f"Cannot write to {folder}: {error.strerror or 'the file system refused'}.") from None
    return {"model": str(model_target), "settings": str(settings_target)}
