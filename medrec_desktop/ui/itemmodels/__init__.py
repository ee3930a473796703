"""Qt item models holding DTOs (never ORM objects)."""
