"""Code sets (ICD-10-CM/PCS, HCPCS, CPT): search, notes, validation. No PHI, no Qt."""
