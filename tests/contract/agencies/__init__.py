"""Test doubles of the registered agencies, one module per agency id (see tests/contract/conftest.py)."""
