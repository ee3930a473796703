"""Qt widgets only. Widgets reach services through the ServicesHolder, run them through an Op
(ui/tasks.py) and receive DTOs (DESIGN §2-3)."""
