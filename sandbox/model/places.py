"""Fictional organisations and streets of Northbridge, shared by the sample family and the rest."""

from __future__ import annotations

from sandbox.model.records import GpPractice, School

TOWN = "Northbridge"
COUNCIL = "Northbridge City Council"
HOSPITAL = "Northbridge General Hospital"
MASH = "Northbridge MASH"
LEA = "393"

GP_PRACTICES = (
    GpPractice("Y90001", "Larch Medical Centre"),
    GpPractice("Y90002", "Riverside Surgery"),
    GpPractice("Y90003", "Foundry Lane Health Centre"),
    GpPractice("Y90004", "Northbridge Family Practice"),
)

LARCHFIELD_PRIMARY = School(LEA, "2015", "Larchfield Primary School")
PRIMARY_SCHOOLS = (
    LARCHFIELD_PRIMARY,
    School(LEA, "2031", "St Aidan's CE Primary School"),
    School(LEA, "2044", "Millbrook Community Primary School"),
)
SECONDARY_SCHOOLS = (
    School(LEA, "4002", "Northbridge Academy"),
    School(LEA, "4010", "Tyneside Road High School"),
)

STREETS = (
    "Larch Close",
    "Foundry Walk",
    "Quayside Terrace",
    "Alder Grove",
    "Chapel Row",
    "Windmill Lane",
    "Heron Court",
    "Station Road",
    "Beacon Street",
    "Marsh View",
)
