"""Keys, passwords, permissions and the audit chain. No Qt, no database sessions."""
