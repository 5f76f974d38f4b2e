"""Use cases: each one ties domain rules to the repositories; handlers and the CLI call these."""
