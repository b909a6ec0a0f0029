"""Northbridge before anyone lives in it: its names, its places and the services that cover them.

Names: `names` is the data (the naming communities, their shares and pools), drawn from by
`name_pool` (one weighted pool), `naming` (how a community puts a name together) and `communities`
(choosing a household's, a partner's, mixed-heritage names); `name_variants` (data) and `garbling`
are how records garble a name. Places: `postcodes`, `street_names`, `addresses` (streets laid out
and homes handed out), `services` (GP practices, schools, hospitals) and `catchment` (which of them
serve which home). Nothing here knows about people's lives or about any agency's records.
"""
