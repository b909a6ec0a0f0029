"""Each sandbox authenticates its clients as its real counterpart does, so connectors meet real auth in tests."""
