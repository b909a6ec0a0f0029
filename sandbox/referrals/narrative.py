"""A referral's account of the concern, written from templates with synthetic content.

Every account is invented: places are Northbridge's, telephone numbers are from Ofcom's ranges kept
for drama (0191 498 0xxx, 07700 900xxx) and email addresses end in `.example` (RFC 2606), so none
reaches anyone. Each part of a good referral (`sandbox.referrals.quality.Part`) has its own sentences,
and only those sentences use the words that show that part: the account of what happened never says
what the child said, what was tried, or how soon harm might come, so a referral that leaves a part out
reads as one that does. An account "in enough detail" runs to 40 words or more; a vague one is a
line, and a vague referral keeps under 40 words in all, dropping the parts that would not fit.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date

from sandbox.referrals.quality import Part
from schemas import ConcernCategory

DETAILED_WORDS = 40
"""The fewest words of an account in enough detail to act on."""

_ACCOUNTS: dict[ConcernCategory, tuple[str, ...]] = {
    ConcernCategory.DOMESTIC_ABUSE: (
        "Police attended the family home late on {weekday} evening after a neighbour called 999 about shouting and "
        "banging. {Parent} and a partner had been arguing and a glass table was broken. {child} and the other "
        "children were in the house and awake when officers arrived. A DASH assessment was completed.",
        "There was a domestic incident at the home on {weekday} evening. {Parent} had a cut lip and a bruised arm, "
        "and the partner had left before police arrived. {child} was upstairs during the incident and came down "
        "when the door was kicked in. This is the third call to the address since the summer.",
    ),
    ConcernCategory.NEGLECT: (
        "{child} comes in most days in the same unwashed clothes and is hungry at breakfast club. Staff have "
        "noticed that {child} has lost weight over the term. {Parent} has missed the last three dental "
        "appointments, and the home was cold with no food in the cupboards at a home visit on {weekday}.",
        "At a visit to the home on {weekday} the house was very cluttered, with dog mess on the floor, no bedding "
        "on {child}'s bed and little food in the kitchen. {child} had head lice and untreated skin sores, and has "
        "not had routine immunisations. The family has missed several appointments this year.",
    ),
    ConcernCategory.PHYSICAL_ABUSE: (
        "{child} arrived on {weekday} with a bruise to the left cheek and finger-mark bruising on the upper arm. "
        "Staff noticed that {child} flinched when an adult raised a hand to point at the board. The explanation "
        "from {parent} was a fall from a bike, which does not match the marks.",
        "{child} attended the emergency department on {weekday} with a fractured wrist. The account of how it "
        "happened changed between the triage nurse and the paediatric registrar, and the family waited two days "
        "before coming in. An X-ray also showed an older healing fracture of the other arm.",
    ),
    ConcernCategory.EMOTIONAL_ABUSE: (
        "{Parent} regularly shouts at {child} at the gate, calling {child} stupid and useless in front of other "
        "parents. {child} is withdrawn, rarely plays with others and becomes tearful at home time. Staff have "
        "heard {parent} threaten to send {child} away to live with relatives, most recently on {weekday}.",
    ),
    ConcernCategory.SEXUAL_ABUSE: (
        "{child} made a comment in class on {weekday} suggesting contact of a sexual nature with an older male "
        "relative who visits the home at weekends. The member of staff wrote down the exact words and the time, "
        "and passed them to the designated safeguarding lead within the hour. No one in the family knows yet.",
    ),
    ConcernCategory.CHILD_SEXUAL_EXPLOITATION: (
        "{child} has been picked up from outside the family home late at night by men in different cars, and comes "
        "back with new phones, clothes and vapes that the family cannot account for. On {weekday} police found "
        "{child} drunk in a flat in the city centre with two older males.",
    ),
    ConcernCategory.CRIMINAL_EXPLOITATION: (
        "{child} was stopped by police in another town on {weekday} with a large amount of cash and a second "
        "phone, after two nights away from home. Older teenagers wait for {child} near the estate most evenings, "
        "and {parent} has found a knife in {child}'s bedroom.",
    ),
    ConcernCategory.MISSING: (
        "{child} was reported missing by {parent} on {weekday} night and was found by police the following "
        "afternoon at an address across the city. This is the fourth missing episode in three months. {child} "
        "came back tired and hungry and would not give any account of the time away.",
    ),
    ConcernCategory.PARENTAL_MENTAL_HEALTH: (
        "{Parent} was detained under the Mental Health Act on {weekday} after police were called to the home. "
        "{child} was in the house and had been looking after the younger children for most of the day. The other "
        "parent does not live with the family and there is no other adult at home.",
    ),
    ConcernCategory.PARENTAL_SUBSTANCE_MISUSE: (
        "{Parent} was found unconscious at the home on {weekday} afternoon after drinking heavily, and {child} "
        "called the ambulance. Empty bottles and cannabis were in the living room within reach of the children. "
        "{child} has been late on most days this term and often has no packed lunch.",
    ),
    ConcernCategory.HOUSING_INSTABILITY: (
        "The family were evicted from their private rented home on {weekday} and are staying on the floor of a "
        "relative's one-bedroom flat. {child} shares a sofa with {parent}, and the family has moved three times "
        "in the last year. There are rent arrears of over two thousand pounds.",
    ),
    ConcernCategory.EDUCATION_CONCERN: (
        "{child}'s attendance has fallen to 71% this term, with most absences unexplained. {child} has had two "
        "suspensions since September for fighting, and {parent} has not answered letters or calls from the "
        "attendance officer. On the days {child} comes in, the uniform is dirty and {child} falls asleep in lessons.",
    ),
    ConcernCategory.OTHER: (
        "{child} has been caring for {parent}, who has a long-term illness, and does most of the shopping, cooking "
        "and cleaning at home. {child} is often late and exhausted, and has stopped going to the youth club and "
        "to football training, which {child} used to enjoy. This came to light on {weekday}.",
    ),
}
"""What happened, in enough detail: 40 words or more, and none of the words that show another part."""

_VAGUE: dict[ConcernCategory, str] = {
    ConcernCategory.DOMESTIC_ABUSE: "Domestic incident at the address, children present.",
    ConcernCategory.NEGLECT: "Concerns about home conditions and {child}'s hygiene.",
    ConcernCategory.PHYSICAL_ABUSE: "{child} has a bruise on the face.",
    ConcernCategory.EMOTIONAL_ABUSE: "Concerns about how {parent} speaks to {child}.",
    ConcernCategory.SEXUAL_ABUSE: "Possible sexual abuse concern about {child}.",
    ConcernCategory.CHILD_SEXUAL_EXPLOITATION: "{child} is out late with older males.",
    ConcernCategory.CRIMINAL_EXPLOITATION: "{child} found with cash and a second phone.",
    ConcernCategory.MISSING: "{child} went missing overnight.",
    ConcernCategory.PARENTAL_MENTAL_HEALTH: "{Parent}'s mental health is poor.",
    ConcernCategory.PARENTAL_SUBSTANCE_MISUSE: "{Parent} is drinking heavily.",
    ConcernCategory.HOUSING_INSTABILITY: "Family evicted, staying with relatives.",
    ConcernCategory.EDUCATION_CONCERN: "{child}'s attendance is poor.",
    ConcernCategory.OTHER: "General concerns about {child}.",
}

_OPENERS: dict[str, tuple[str, ...]] = {
    "police": ("This referral follows a police incident logged on {weekday} {day}.",),
    "school": ("This referral is from the designated safeguarding lead about a pupil in {year_group}.",),
    "health": ("This referral follows a health contact with the family on {weekday} {day}.",),
    "local_authority": ("Our service has been working with the family since the spring.",),
    "housing": ("Our housing officer visited the property on {weekday} {day}.",),
    "individual": ("I am contacting the MASH about a child I know.",),
    "voluntary": ("We know the family through our service.",),
}

_PARTS: dict[Part, tuple[str, ...]] = {
    Part.RISK: (
        "We are worried that {child} could be harmed if nothing changes.",
        "{child} is at risk of emotional and physical harm while this continues.",
    ),
    Part.HOW_SOON: (
        "This is getting worse, and {child} goes home to the same situation tonight.",
        "It is the third incident in two months and the situation is escalating.",
    ),
    Part.CHILD_VOICE: (
        "{child} said: 'I don't like it at home when they shout. I just want it to stop.'",
        "When we met {child} on {weekday}, {child} seemed tired and quiet, and told staff that nobody is home after "
        "school most days.",
        "{child} was reluctant to go home at the end of the day and said that home is 'not a nice place to be'.",
    ),
    Part.WHAT_TRIED: (
        "The family were offered early help in the spring but did not take it up.",
        "We have given advice to {parent} and signposted the family to a parenting course, without change.",
    ),
    Part.CONSENT: (
        "{Parent} knows we are making this referral and has given consent.",
        "Consent has not been sought, because asking could alert the adult concerned.",
    ),
}
"""The sentences that state each part: each uses that part's words and no other part's."""


@dataclass(frozen=True)
class Facts:
    """What the templates fill in: synthetic names and places of the world, never anyone real."""

    child: str
    parent: str
    """How the referrer refers to the main parent or carer: "her mother", "his step-parent", "the parent"."""
    weekday: str
    day: str
    year_group: str
    school: str | None
    gp: str | None
    phone: str
    email: str | None


def _fill(template: str, facts: Facts) -> str:
    return template.format(
        child=facts.child,
        parent=facts.parent,
        Parent=facts.parent[:1].upper() + facts.parent[1:],
        weekday=facts.weekday,
        day=facts.day,
        year_group=facts.year_group,
    )


def _places(facts: Facts) -> str:
    school = f"attends {facts.school}" if facts.school else "is not at school or nursery at present"
    gp = f"is registered with the GP at {facts.gp}" if facts.gp else "is not registered with a GP"
    return f"{facts.child} {school} and {gp}."


def _contact(facts: Facts) -> str:
    return f"Please contact me on {facts.phone}" + (f" or at {facts.email}." if facts.email else ".")


_WORD = re.compile(r"\w+(?:['-]\w+)*")
"""A word as a reader counts one: "don't" and "one-bedroom" are one word, an email address several."""


def words(text: str) -> int:
    return len(_WORD.findall(text))


def write_narrative(
    rng: random.Random, concern: ConcernCategory, sort: str, stated: set[Part], facts: Facts
) -> tuple[str, set[Part]]:
    """The narrative and the parts it really states (a vague one drops parts to stay under 40 words)."""
    opener = _fill(rng.choice(_OPENERS[_OPENER_FOR.get(sort, sort)]), facts)
    detailed = Part.WHAT_HAPPENED in stated
    account = _fill(rng.choice(_ACCOUNTS[concern]) if detailed else _VAGUE[concern], facts)
    sentences: list[tuple[Part | None, str]] = [(None, opener if detailed else ""), (Part.WHAT_HAPPENED, account)]
    for part in (Part.RISK, Part.HOW_SOON, Part.CHILD_VOICE, Part.WHAT_TRIED, Part.CONSENT):
        if part in stated:
            sentences.append((part, _fill(rng.choice(_PARTS[part]), facts)))
    if Part.SCHOOL_AND_GP in stated:
        sentences.append((Part.SCHOOL_AND_GP, _places(facts)))
    if Part.CONTACT in stated:
        sentences.append((Part.CONTACT, _contact(facts)))
    if not detailed:
        while words(" ".join(text for _, text in sentences)) >= DETAILED_WORDS:
            sentences.pop(2)  # the first optional part: a vague referral stays vague
    kept = {part for part, _ in sentences if part is not None}
    if not detailed:
        kept.discard(Part.WHAT_HAPPENED)
    text = " ".join(text for _, text in sentences if text)
    return text, kept


_OPENER_FOR = {
    "police_specialist": "police",
    "police_frontline": "police",
    "gp": "health",
    "health_service": "health",
}


def weekday_words(day: date) -> tuple[str, str]:
    """("Tuesday", "3 March"), as a referrer writes a date."""
    return day.strftime("%A"), f"{day.day} {day.strftime('%B')}"
