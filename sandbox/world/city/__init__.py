"""Northbridge before anyone lives in it: its names, its places and the services that cover them.

Names: the naming communities and their pools, how a community puts a name together, and the ways
records garble names (nicknames, other spellings, keying errors). Places: postcodes, streets and
addresses, the GP practices, schools and hospitals sized to the population, and which of them serve
which home. Nothing here knows about people's lives or about any agency's records.
"""
