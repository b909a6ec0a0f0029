"""What each agency holds of the true population: one view per agency, and the noise every view adds.

A view reads the households and their life events and writes the records that agency would keep,
in its own terms (`sandbox.model.records`), each copied with that agency's errors (`noise`).
"""
