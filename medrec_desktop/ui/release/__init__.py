"""Release of information and the accounting of disclosures (issue 14)."""
