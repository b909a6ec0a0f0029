"""The schools register as a council loads it: every mistake named in one line with its line and field, and
nothing loaded; in a real process the register held before stays as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.insight.schools_register import MAX_BYTES, RegisterError, read_register, school_key

GOOD = "dfe_number,name,pupils\n886/2001,Hillside Primary School,412\n886/4003,St Mary's C of E Academy,1104\n"


def _file(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "schools.csv"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_a_good_register_with_a_bom_and_blank_lines_is_read(tmp_path: Path) -> None:
    schools = read_register(_file(tmp_path, "\ufeff" + GOOD.replace("\n886/4003", "\n\n , , \n886/4003")))
    assert [(s.dfe_number, s.name, s.pupils) for s in schools] == [
        ("886/2001", "Hillside Primary School", 412),
        ("886/4003", "St Mary's C of E Academy", 1104),
    ]
    assert school_key("St Mary's C of E Académy") == school_key("st marys c of e academy") == "st marys c of e academy"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dfe,name,pupils\n886/2001,A,1\n", "schools.csv line 1: the header must be dfe_number,name,pupils"),
        (GOOD + "886/2002,Oak School\n", "schools.csv line 4: expected 3 columns (dfe_number,name,pupils)"),
        (GOOD + "8862002,Oak School,5\n", "schools.csv line 4: dfe_number must be the LA code and establishment"),
        (GOOD + "886/2002,,5\n", "schools.csv line 4: name must be the school's name, at most 200 characters"),
        (GOOD + f"886/2002,{'O' * 201},5\n", "schools.csv line 4: name must be the school's name"),
        (GOOD + "886/2002,Oak School,-3\n", "schools.csv line 4: pupils must be a whole number from 0 to 10000"),
        (GOOD + "886/2002,Oak School,many\n", "schools.csv line 4: pupils must be a whole number"),
        (GOOD + "886/2002,Oak School,10001\n", "schools.csv line 4: pupils must be a whole number"),
        (GOOD + "886/2001,Oak School,5\n", "schools.csv line 4: dfe_number 886/2001 is listed twice"),
        (GOOD + "886/2002,ST MARYS C of E academy,5\n", "schools.csv line 4: name is the same as line 3's"),
        ("dfe_number,name,pupils\n\n", "schools.csv: no schools below the header"),
        ("", "schools.csv line 1: the header must be"),
        ("dfe_number,name,pupils\n886/2001,Caf\xe9 School,3\n".encode("latin-1"), "schools.csv is not UTF-8 text"),
    ],
)
def test_each_mistake_is_named_in_one_line(tmp_path: Path, text: str | bytes, expected: str) -> None:
    with pytest.raises(RegisterError) as refused:
        read_register(_file(tmp_path, text))
    assert str(refused.value).startswith(expected), str(refused.value)
    assert "\n" not in str(refused.value)


def test_a_file_too_large_or_missing_is_refused_without_reading_it(tmp_path: Path) -> None:
    with pytest.raises(RegisterError, match=r"^schools.csv: the file is larger than 4 MiB; is it the register\?$"):
        read_register(_file(tmp_path, GOOD + "x" * MAX_BYTES))
    with pytest.raises(RegisterError, match=r"^absent.csv cannot be read: export the register as a UTF-8 CSV file.$"):
        read_register(tmp_path / "absent.csv")
