"""The coding panel (Qt): search, code detail with notes and 7th characters, claim checks."""

from medrec_desktop.ui.coding.panel import CodingPanel

__all__ = ["CodingPanel"]
