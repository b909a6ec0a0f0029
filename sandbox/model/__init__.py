"""The synthetic population's data model: the true people, what each agency holds, the fixed places."""
