"""The housing system's code tables: every coded value its API and exports can carry, and its meaning.

The population generator picks codes from here, the sandbox passes them through as recorded, and
`docs/sandboxes/housing.md` lists them for integration engineers (a test keeps the page in step).
Connectors must still cope with a code they do not know: real systems add local codes.
"""

from __future__ import annotations

from types import MappingProxyType

NOTICE_TYPES = MappingProxyType(
    {
        "notice_seeking_possession": "Notice seeking possession (secure tenancy, Housing Act 1985 s83)",
        "section_8": "Section 8 notice (assured tenancy, Housing Act 1988)",
        "section_21": "Section 21 notice (assured shorthold tenancy)",
        "notice_to_quit": "Notice to quit (licence or non-secure tenancy)",
    }
)
"""Notices served on a tenancy: the landlord's first formal step towards possession."""

POSSESSION_STAGES = MappingProxyType(
    {
        "possession_claim": "Possession claim issued at the county court",
        "possession_order_suspended": "Suspended possession order (on terms, e.g. paying the arrears)",
        "possession_order_outright": "Outright possession order",
        "warrant_of_possession": "Warrant of possession issued (an eviction date is set)",
        "eviction": "Eviction carried out by county court bailiffs",
    }
)
"""Stages of possession proceedings after a notice, in the order they happen."""

TENANCY_RELATIONSHIPS = MappingProxyType(
    {
        "tenant": "The (first) tenant",
        "joint_tenant": "A joint tenant",
        "partner": "The tenant's partner or spouse",
        "child": "The tenant's child (including step and foster children)",
        "parent": "The tenant's parent",
        "sibling": "The tenant's brother or sister",
        "other_relative": "Another relative",
        "occupant": "Any other person living in the home",
    }
)
"""A household member's relationship to the tenant (`tenant` is the tenant's own row in exports)."""

ASB_CATEGORIES = MappingProxyType(
    {
        "noise": "Noise nuisance",
        "verbal_abuse": "Verbal abuse or harassment",
        "harassment": "Harassment or intimidation",
        "hate_incident": "Hate incident",
        "violence": "Violence or threats of violence",
        "domestic_abuse": "Domestic abuse reported to the landlord",
        "drugs": "Drug use or dealing",
        "criminal_damage": "Criminal damage or vandalism",
        "vehicles": "Vehicle nuisance",
        "pets": "Pets and animal nuisance",
        "other": "Other anti-social behaviour",
    }
)

ASB_OUTCOMES = MappingProxyType(
    {
        "open": "Case still open",
        "no_further_action": "Closed with no further action",
        "warning": "Warning letter or visit",
        "acceptable_behaviour_contract": "Acceptable behaviour contract signed",
        "community_protection_notice": "Community protection notice served",
        "injunction": "Civil injunction granted",
        "closure_order": "Closure order on the property",
        "resolved": "Closed as resolved",
    }
)

HOUSEHOLD_RELATIONSHIPS = MappingProxyType(
    {
        "applicant": "The main applicant",
        "partner": "Partner or spouse of the applicant",
        "child": "Child of the applicant or partner (dependent)",
        "parent": "Parent of the applicant",
        "sibling": "Brother or sister of the applicant",
        "other_relative": "Another relative",
        "other": "Another person who is not a relative",
    }
)
"""An H-CLIC household member's relationship to the main applicant."""

HOMELESSNESS_REASONS = MappingProxyType(
    {
        "family_or_friends_no_longer_willing": "Family or friends no longer willing or able to accommodate",
        "end_of_private_tenancy": "End of a private rented tenancy (assured shorthold)",
        "end_of_social_tenancy": "End of a social rented tenancy",
        "rent_arrears": "Eviction or notice because of rent arrears",
        "domestic_abuse": "Domestic abuse",
        "relationship_breakdown": "Non-violent breakdown of a relationship with a partner",
        "other_violence_or_harassment": "Other violence or harassment",
        "left_institution": "Left an institution (prison, hospital, care) with no accommodation",
        "left_asylum_support": "Required to leave Home Office asylum accommodation",
        "property_disrepair": "Property disrepair or unfit to live in",
        "mortgage_repossession": "Mortgage repossession",
        "other": "Other reason",
    }
)
"""H-CLIC reason for loss, or threat of loss, of the last settled home."""

DUTIES = MappingProxyType(
    {
        "prevention": "Prevention duty (threatened with homelessness within 56 days)",
        "relief": "Relief duty (already homeless)",
        "main_duty": "Main housing duty (homeless, eligible, in priority need, not intentionally homeless)",
    }
)
"""The Housing Act 1996 Part 7 duty owed to the household."""

TEMPORARY_ACCOMMODATION_TYPES = MappingProxyType(
    {
        "bed_and_breakfast": "Bed and breakfast hotel",
        "nightly_paid": "Nightly paid, privately managed accommodation",
        "hostel": "Hostel",
        "refuge": "Women's refuge",
        "private_sector_leased": "Private sector accommodation leased by the council",
        "council_or_housing_association_stock": "Council or housing association home",
        "other": "Any other type",
    }
)
"""H-CLIC type of temporary accommodation the household was placed in."""

CODE_TABLES = MappingProxyType(
    {
        "notice_type": NOTICE_TYPES,
        "possession_stage": POSSESSION_STAGES,
        "relationship_to_tenant": TENANCY_RELATIONSHIPS,
        "asb_category": ASB_CATEGORIES,
        "asb_outcome": ASB_OUTCOMES,
        "relationship_to_applicant": HOUSEHOLD_RELATIONSHIPS,
        "reason_for_loss_of_last_settled_home": HOMELESSNESS_REASONS,
        "duty": DUTIES,
        "temporary_accommodation_type": TEMPORARY_ACCOMMODATION_TYPES,
    }
)
"""Every code table by the field that carries it (the documentation lists each one)."""
