"""Tests for the hub core: crypto, store, audit, identity and chronology."""
