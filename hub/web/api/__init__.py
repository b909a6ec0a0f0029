"""The REST API for police and partner systems, under `/api/v1/` (docs/referrals.md, "Sending referrals")."""
