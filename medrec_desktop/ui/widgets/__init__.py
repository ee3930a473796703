"""Small generic widgets and helpers shared by screens (no service calls here)."""
