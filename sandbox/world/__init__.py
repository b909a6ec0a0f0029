"""Northbridge at city scale: the names, streets and services a seeded population of up to a million draws on."""
