"""Schools that made no referral in a period, beside their pupils on roll (the council's register).

Some schools refer and others don't; a large school with no referral in a year is a conversation for the
council's education safeguarding lead, not a verdict. Without a register the report says so, and never that
every school referred. Referrals from education naming a school the register does not hold are counted and
shown, so a misspelt or new school is seen rather than lost.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from hub.insight.period import Period
from hub.insight.report import Chart, Report, Series, Table, table_csv
from hub.insight.schools_register import school_key
from hub.store.insight_records import InsightFacts, RegisteredSchool
from schemas import ReferrerKind

CHART_SCHOOLS = 30
"""The chart shows the largest schools without a referral; the table lists them all."""


def schools_report(facts: Sequence[InsightFacts], register: Sequence[RegisteredSchool], period: Period) -> Report:
    education = [f for f in facts if f.referrer_kind == ReferrerKind.EDUCATION.value and f.referrer_organisation]
    by_key = {school_key(school.name): school for school in register}
    made: Counter[str] = Counter()
    unmatched: Counter[str] = Counter()
    for fact in education:
        school = by_key.get(school_key(fact.referrer_organisation or ""))
        if school is None:
            unmatched[fact.referrer_organisation or ""] += 1
        else:
            made[school.dfe_number] += 1
    silent = sorted((s for s in register if made[s.dfe_number] == 0), key=lambda s: (-s.pupils, s.name))
    referring = sorted((s for s in register if made[s.dfe_number]), key=lambda s: (-made[s.dfe_number], s.name))
    notes = []
    if not register:
        notes.append(
            "There is no schools register, so the hub cannot tell which schools made no referral. A manager loads the "
            "council's with hub insight load-schools FILE (docs/managers.md)."
        )
    silent_table = Table(
        "Schools that made no referral, largest first",
        ("DfE number", "School", "Pupils on roll"),
        tuple((s.dfe_number, s.name, s.pupils) for s in silent),
        frozenset({2}),
    )
    referring_table = Table(
        "Schools that referred, most referrals first",
        ("DfE number", "School", "Pupils on roll", "Referrals", "Referrals per 100 pupils"),
        tuple(
            (s.dfe_number, s.name, s.pupils, made[s.dfe_number], _per_hundred(made[s.dfe_number], s.pupils))
            for s in referring
        ),
        frozenset({2, 3, 4}),
    )
    unmatched_table = Table(
        "Referrals from education naming a school not in the register",
        ("Organisation as the referrer wrote it", "Referrals"),
        tuple((name, count) for name, count in sorted(unmatched.items(), key=lambda item: (-item[1], item[0]))),
        frozenset({1}),
    )
    shown = silent[:CHART_SCHOOLS]
    chart = Chart(
        "Pupils on roll at schools that made no referral",
        f"One bar per school without a referral in the period (the largest {len(shown)}), its length the pupils on "
        "roll; the table lists every such school.",
        tuple(s.name for s in shown),
        (Series("Pupils on roll", tuple(float(s.pupils) for s in shown)),),
        "pupils",
        horizontal=True,
    )
    pupils = sum(s.pupils for s in silent)
    summary = (
        (
            f"{len(silent)} of {len(register)} schools in the register made no referral from {period.words}; "
            f"they have {pupils} pupils on roll between them.",
            f"{len(education)} referral{'s' if len(education) != 1 else ''} came from education, "
            f"{sum(unmatched.values())} of them naming a school the register does not hold.",
        )
        if register
        else ("The schools register is empty.",)
    )
    csv_rows = [
        (s.dfe_number, s.name, s.pupils, made[s.dfe_number], _per_hundred(made[s.dfe_number], s.pupils))
        for s in sorted(register, key=lambda s: (made[s.dfe_number], -s.pupils, s.name))
    ]
    return Report(
        "schools",
        "Schools that made no referral",
        period.words,
        summary,
        chart if shown else None,
        (silent_table, referring_table, unmatched_table) if register else (unmatched_table,),
        table_csv(("dfe_number", "school", "pupils", "referrals", "referrals_per_100_pupils"), csv_rows),
        tuple(notes),
    )


def _per_hundred(referrals: int, pupils: int) -> str:
    return "–" if pupils == 0 else f"{100 * referrals / pupils:.1f}"
