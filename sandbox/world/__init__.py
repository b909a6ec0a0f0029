"""The population generator: a seeded Northbridge of up to a million people, and what each agency knows of them.

Read it in the order a generation runs:

- `settings` says what is asked for (people, seed, noise rates); `timeline` is the date arithmetic.
- `city/` is Northbridge itself, before anyone lives in it: its naming communities and how records
  garble names, its streets, addresses and postcodes, its GP practices, schools and hospitals.
- `households` builds who lives with whom (the truth), with `homes` for where they live and study and
  `units` for what a built household is; `events` plays ten years of their lives.
- `views/` turns the truth into each agency's records, with that agency's noise.
- `sample_family` is the handcrafted household behind the example referral, always household 0.
- `generate` runs it all in batches onto disk; `default` is the small entry point sandboxes and tests use.
"""
