"""The feedback note for the referrer: plain text, ready to paste into a letter or an email.

Written to the GOV.UK style: short sentences, "you" and "we", what to do. It thanks the referrer, says
what the referral did well, then what was missing and why it matters. It names the referral only by its
reference, never the child or anyone in the household, so it can go by ordinary email.
"""

from __future__ import annotations

import textwrap

from hub.quality.assessment import Finding, QualityAssessment

WIDTH = 78
"""Lines short enough for any email client and a letter template."""


def _paragraph(text: str) -> str:
    return textwrap.fill(text, WIDTH)


def _bullet(text: str) -> str:
    return textwrap.fill(text, WIDTH, initial_indent="- ", subsequent_indent="  ")


def _gap(finding: Finding) -> str:
    return _bullet(f"{finding.words} Why this matters: {finding.why}")


def feedback_note(assessment: QualityAssessment) -> str:
    """The note for `assessment`'s referrer, ending in a newline."""
    received = assessment.received_at
    to = assessment.referrer_organisation or "the person who made this referral"
    strengths, gaps = assessment.strengths, assessment.gaps
    parts = [
        f"Feedback on referral {assessment.referral_id}",
        f"To: {to}\nReceived: {received.day} {received:%B %Y}",
        _paragraph(
            "Thank you for your referral to the Multi-Agency Safeguarding Hub (MASH). A practitioner has it and "
            "will decide what happens next. This note is about what the referral told us, to help with the next "
            "one. It is not a decision about the child."
        ),
    ]
    if strengths:
        parts.append("What your referral did well\n" + "\n".join(_bullet(finding.words) for finding in strengths))
    if gaps:
        parts.append("What would have helped us\n" + "\n".join(_gap(finding) for finding in gaps))
    else:
        parts.append(_paragraph("Your referral told us everything our checklist asks for. Thank you."))
    if assessment.stated_level is not None:
        level = assessment.stated_level
        parts.append(_paragraph(f"You said the child's needs are at level {level.level}: {level.name}."))
    parts.append(
        _paragraph(
            f"Against the council's checklist of what a good referral states, this referral covered "
            f"{len(strengths)} of {len(assessment.findings)} points: a score of {assessment.score} out of 100."
        )
    )
    parts.append(
        _paragraph(
            f"If you have a question about this note, contact the MASH and quote the reference "
            f"{assessment.referral_id}. If a child is in immediate danger, call the police on 999."
        )
    )
    return "\n\n".join(parts) + "\n"
