"""medrec-desktop: offline, encrypted medical records and coding for small clinics."""

__version__ = "0.1.0"
