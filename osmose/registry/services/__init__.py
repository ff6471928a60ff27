"""Every write of the registry. Views, the API, commands and imports call these."""
