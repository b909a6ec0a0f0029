"""Referral quality: a referral checked against the council's checklist of what a good referral states.

`checklist` reads `config/referral_quality.yaml`; `assessment` scores a referral and names its gaps;
`feedback` words the note to the referrer; `by_referrer` sums stored assessments per referrer. Pure
functions of the referral and the checklist: nothing here reads or writes the store.
"""
