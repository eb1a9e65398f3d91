"""Walk sources, hash, store originals, track per-(document, stage) status, resume."""
