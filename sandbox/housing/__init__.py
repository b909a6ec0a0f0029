"""Housing sandbox: a council housing system's API gateway and its nightly CSV exports."""
