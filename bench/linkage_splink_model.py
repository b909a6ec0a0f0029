"""Splink's model for the linkage bench: what it compares, and how closely.

First name and surname (exact with term frequencies / another name the person goes by /
Jaro-Winkler), birth date (exact / day and month transposed / one character off), sex, postcode
(with the address line, then sector, district, area), NHS number and another identifier scheme
where the set has one, on the rows `linkage_splink`
builds. It has no nickname or spelling-variant tables and none of the hub's conservative rules
(twins, a generation apart, one clear best per agency answer). Splink is imported inside each
function, so the bench runs without it (`--skip-splink`).
"""

from __future__ import annotations

from typing import Any


def _name_comparison(column: str) -> Any:
    """Exact (term-frequency adjusted), another name the person goes by, then Jaro-Winkler."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    return cl.CustomComparison(
        output_column_name=column,
        comparison_levels=[
            cll.NullLevel(column),
            cll.ExactMatchLevel(column, term_frequency_adjustments=True),
            cll.CustomLevel(
                f"list_contains(other_names_r, {column}_l) OR list_contains(other_names_l, {column}_r)",
                label_for_charts=f"{column} is another name of the other",
            ),
            cll.JaroWinklerLevel(column, 0.92),
            cll.JaroWinklerLevel(column, 0.88),
            cll.JaroWinklerLevel(column, 0.7),
            cll.ElseLevel(),
        ],
    )


def _birth_date_comparison() -> Any:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    transposed = (
        "substr(dob_l, 1, 4) = substr(dob_r, 1, 4) AND substr(dob_l, 6, 2) = substr(dob_r, 9, 2) "
        "AND substr(dob_l, 9, 2) = substr(dob_r, 6, 2)"
    )
    return cl.CustomComparison(
        output_column_name="dob",
        comparison_levels=[
            cll.NullLevel("dob"),
            cll.ExactMatchLevel("dob"),
            cll.CustomLevel(transposed, label_for_charts="day and month transposed"),
            cll.LevenshteinLevel("dob", 1),
            cll.ElseLevel(),
        ],
    )


def _address_comparison() -> Any:
    """Splink's postcode levels, with the address line agreeing as a stronger first level."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    postcode = cl.PostcodeComparison("postcode").create_comparison_levels()
    same_address = cll.CustomLevel(
        "postcode_l = postcode_r AND address_line_l = address_line_r", label_for_charts="same address"
    )
    return cl.CustomComparison(
        output_column_name="postcode", comparison_levels=[postcode[0], same_address, *postcode[1:]]
    )


def splink_settings(*, other_id: bool = False) -> Any:
    """`other_id` adds the other identifier scheme (FEBRL's social security number): exact, then one
    edit apart (Damerau-Levenshtein), as Splink's own FEBRL examples compare it."""
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    identifiers: list[Any] = [cl.ExactMatch("nhs_number")]
    if other_id:
        identifiers.append(cl.DamerauLevenshteinAtThresholds("other_id", [1]))

    return SettingsCreator(
        link_type="link_only",
        comparisons=[
            _name_comparison("first_name"),
            _name_comparison("surname"),
            _birth_date_comparison(),
            cl.ExactMatch("sex"),
            _address_comparison(),
            *identifiers,
        ],
        blocking_rules_to_generate_predictions=[block_on("case_id")],
        retain_intermediate_calculation_columns=False,
    )
