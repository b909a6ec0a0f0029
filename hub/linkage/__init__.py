"""Probabilistic record linkage (Fellegi–Sunter): is an agency's person the referral's person?

    from hub.linkage import judge, link_candidates, load_linker
    judgements = link_candidates(subject.person, reply.candidates)   # one Judgement per candidate

Each `Judgement` has an outcome (linked, review, not_linked), a match weight and probability,
per-field evidence in words that never quote the data, and the reasons for any review.
See docs/linkage.md.
"""

from hub.linkage.engine import Linker, default_linker, judge, link_candidates, load_linker
from hub.linkage.judgement import FieldEvidence, Judgement, Outcome
from hub.linkage.records import LinkageRecord, UnusableRecord, build_record, from_agency_person, from_person

__all__ = [
    "FieldEvidence",
    "Judgement",
    "LinkageRecord",
    "Linker",
    "Outcome",
    "UnusableRecord",
    "build_record",
    "default_linker",
    "from_agency_person",
    "from_person",
    "judge",
    "link_candidates",
    "load_linker",
]
