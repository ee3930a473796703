"""Qt widgets only. Widgets call services through DbOp and receive DTOs (DESIGN §2-3)."""
