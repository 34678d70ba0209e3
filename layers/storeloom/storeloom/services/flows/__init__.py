"""Marketing workflows: flow config and versions, entry, step scheduling, eligibility and decisions."""
