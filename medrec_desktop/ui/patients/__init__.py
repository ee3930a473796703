"""Patient screens: search, registration and demographics, duplicates, the patient banner."""
