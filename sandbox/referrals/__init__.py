"""A year of referrals to the MASH, from many referrers of differing quality, about the generated world's children.

Read it in the order a year is made: `families` reads the population (children, households, schools,
GP practices, what has happened); `referrers` names the organisations that refer and draws each one's
quality profile (`quality`); `school_year` and `volumes` say how many referrals each day brings and
when; `subjects` and `narrative` write one referral as its referrer would; `decisions` simulates what
the MASH might decide; `year` runs the year and `writer` puts it on disk (`hub sandbox referrals`).
"""
