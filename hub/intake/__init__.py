"""Intake: reading and validating referrals before anything is stored or triggered."""
