"""sacli batch: many prompts in one process, one JSON record per answer."""
