"""(placeholder: filled in by issue 16's work)."""
