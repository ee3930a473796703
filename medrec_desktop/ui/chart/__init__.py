"""The chart's versioned clinical items on screen: one generic list, form, history and
conflict view, declared per kind (``kinds.py``), and the summary."""
