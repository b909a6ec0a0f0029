"""Judging candidates: compare every field, add the weights, apply the thresholds and the rules.

    linker = load_linker()                       # config/linkage.yaml and the model it names
    linker.judge(query_record, candidate_record, agency="police")  # -> Judgement
    link_candidates(subject.person, reply.candidates, agency=reply.agency)

The agency, where known, selects its own parameters and thresholds (`agencies` in the model file,
`agency_thresholds` in the settings); without one, or for an agency with none, the global ones apply.

Records are built once (`hub.linkage.records`); judging a pair then only compares precomputed
keys and looks weights up, in the tens of microseconds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import cache
from pathlib import Path

from hub.linkage.comparisons import Comparison, comparisons_for, default_comparisons
from hub.linkage.judgement import FieldEvidence, Judgement, Outcome, stronger, unusable_judgement, weaker
from hub.linkage.model import LinkageModel, WeightTable, match_probability, read_model_file
from hub.linkage.records import LinkageRecord, UnusableRecord, from_agency_person, from_person
from hub.linkage.rules import ConservativeRules, Finding, Pair
from hub.linkage.settings import SETTINGS_FILE, LinkageSettings, Thresholds, model_path, read_settings
from hub.settings import HubSettings
from schemas import AgencyPerson, Person

NOT_STRONG_ENOUGH = "the evidence is not strong enough to link automatically"
BETTER_MATCH_HELD = "the agency returned another record that matches this person better"
SEVERAL_MATCHES = "the agency returned more than one record that could be this person"


class Linker:
    """The engine: a model, its thresholds and the conservative rules."""

    def __init__(
        self, model: LinkageModel, settings: LinkageSettings, comparisons: Sequence[Comparison] | None = None
    ) -> None:
        self.model = model
        self.settings = settings
        self.comparisons = tuple(comparisons or default_comparisons())
        self._plan = self._plan_of(model.tables)
        self._agency_plans = {agency: self._plan_of(tables) for agency, tables in model.agency_tables.items()}
        self._rules = ConservativeRules(settings.rules.generation_gap_years, model.first_name_frequency)

    def _plan_of(self, tables: Mapping[str, WeightTable]) -> list[tuple[Comparison, WeightTable]]:
        return [(comparison, tables[comparison.field]) for comparison in self.comparisons]

    def judge(self, query: LinkageRecord, candidate: LinkageRecord, agency: str | None = None) -> Judgement:
        """The outcome for one candidate, with the evidence for it, weighed with `agency`'s parameters if any."""
        weight = self.model.prior_weight
        evidence: list[FieldEvidence] = []
        levels: dict[str, str] = {}
        plan = self._plan if agency is None else self._agency_plans.get(agency, self._plan)
        for comparison, table in plan:
            level, value = comparison.compare(query, candidate)
            item = table.evidence(level, value)
            weight += item.weight
            evidence.append(item)
            levels[comparison.field] = level.key
        probability = match_probability(weight)
        findings = self._rules.findings(Pair(query, candidate, levels))
        outcome, reasons = self._decide(probability, findings, self.settings.thresholds_for(agency))
        return Judgement(candidate.record_id, outcome, weight, probability, tuple(evidence), reasons)

    @staticmethod
    def _by_threshold(probability: float, thresholds: Thresholds) -> Outcome:
        if probability >= thresholds.link_probability:
            return Outcome.LINKED
        if probability >= thresholds.review_probability:
            return Outcome.REVIEW
        return Outcome.NOT_LINKED

    def _decide(
        self, probability: float, findings: list[Finding], thresholds: Thresholds
    ) -> tuple[Outcome, tuple[str, ...]]:
        """Thresholds first; a rule's floor raises the outcome and its ceiling caps it (the ceiling wins).

        The reasons given are the rules that set the final outcome, and any rule asking for review of a
        candidate that goes to review.
        """
        by_threshold = self._by_threshold(probability, thresholds)
        outcome = by_threshold
        for finding in findings:
            outcome = stronger(outcome, finding.floor)
        for finding in findings:
            outcome = weaker(outcome, finding.ceiling)
        reasons = [
            finding.reason
            for finding in findings
            if (finding.ceiling is outcome and outcome.rank < by_threshold.rank)
            or (finding.floor is outcome and outcome.rank > by_threshold.rank)
            or (outcome is Outcome.REVIEW and finding.ceiling is Outcome.REVIEW)
        ]
        if outcome is Outcome.REVIEW and not reasons:
            reasons.append(NOT_STRONG_ENOUGH)
        return outcome, tuple(reasons)

    def link_candidates(
        self, subject_person: Person, candidates: Sequence[AgencyPerson], agency: str | None = None
    ) -> list[Judgement]:
        """One judgement per candidate, in order, with the agency's parameters if given; an unusable candidate is
        not linked, with the reason."""
        query = from_person(subject_person)
        judgements = []
        records: dict[str, LinkageRecord] = {}
        for candidate in candidates:
            try:
                record = from_agency_person(candidate)
            except UnusableRecord as refusal:
                judgements.append(unusable_judgement(candidate.agency_person_id, str(refusal)))
                continue
            judgements.append(self.judge(query, record, agency))
            records[record.record_id] = record
        return self.one_answer(judgements, records, agency)

    def one_answer(
        self,
        judgements: list[Judgement],
        records: Mapping[str, LinkageRecord] | None = None,
        agency: str | None = None,
    ) -> list[Judgement]:
        """Judgements of one agency's answer for one person: only records clearly this person are linked.

        An agency that returns two records which both look like the person holds either a duplicate
        or someone else very like them (a cousin of the same name born a month apart); linking both,
        or the wrong one, is the error that matters most. So a runner-up stays linked only when it is
        itself judged the same person as the best record (the agency holds the person twice), given
        `records` by record id; every other runner-up, and a best that does not lead them clearly,
        goes to a practitioner.
        """
        linked = sorted((j for j in judgements if j.outcome is Outcome.LINKED), key=lambda j: -j.match_weight)
        if len(linked) < 2:
            return judgements
        best = linked[0]
        others = [j for j in linked[1:] if not self._duplicate_of(best, j, records, agency)]
        if not others:
            return judgements
        clear = best.match_weight - others[0].match_weight >= self.settings.rules.clear_lead_bits
        held = {id(j): BETTER_MATCH_HELD for j in others} | ({} if clear else {id(best): SEVERAL_MATCHES})
        return [
            replace(j, outcome=Outcome.REVIEW, review_reasons=(*j.review_reasons, held[id(j)])) if id(j) in held else j
            for j in judgements
        ]

    def _duplicate_of(
        self, best: Judgement, other: Judgement, records: Mapping[str, LinkageRecord] | None, agency: str | None
    ) -> bool:
        """Whether two of an agency's records are one person: the engine links them to each other, on the same
        birth date (a cousin of the same name born a month apart is never taken for a duplicate)."""
        if records is None or best.record_id not in records or other.record_id not in records:
            return False
        judgement = self.judge(records[best.record_id], records[other.record_id], agency)
        same_birth_date = judgement.level_of("birth_date") == "exact" or any(
            item.level == "match" for item in judgement.evidence
        )
        return judgement.outcome is Outcome.LINKED and same_birth_date


def load_linker(settings_path: Path | None = None, model_file: Path | None = None) -> Linker:
    """The engine as `config/linkage.yaml` (or `settings_path`) configures it; `ConfigFileError` if not.

    `model_file` replaces the model the settings name (to try a newly estimated one before adopting it).
    """
    path = settings_path or HubSettings.from_env().config_dir / SETTINGS_FILE
    settings = read_settings(path)
    location = model_file or model_path(path, settings)
    parameters = read_model_file(location)
    comparisons = comparisons_for(parameters.identifier_schemes)
    model = LinkageModel(parameters, comparisons, source=str(location))
    return Linker(model, settings, comparisons)


@cache
def default_linker() -> Linker:
    """The configured engine, loaded once per process."""
    return load_linker()


def judge(query: LinkageRecord, candidate: LinkageRecord, agency: str | None = None) -> Judgement:
    """Judge one candidate record against a query record with the configured engine."""
    return default_linker().judge(query, candidate, agency)


def link_candidates(
    subject_person: Person, candidates: Sequence[AgencyPerson], agency: str | None = None
) -> list[Judgement]:
    """Judge an agency's candidates against a referral subject with the configured engine."""
    return default_linker().link_candidates(subject_person, candidates, agency)
