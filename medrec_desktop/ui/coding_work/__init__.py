"""The coder's day (issue 13): the worklist, the encounter coding screen with its findings,
chronic-condition review and queries, the provider's queries, billing hand-off and reports."""
