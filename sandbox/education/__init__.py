"""Education sandbox: the local authority's pupil records, returned as a Common Transfer File."""
