"""Labelled linkage cases and pairs drawn from a generated population, for measuring and tuning linkage."""
