"""What leaves the application: PDFs (reportlab) and, later, FHIR bundles."""
