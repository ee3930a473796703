"""Engines (SQLCipher, PostgreSQL), units of work, migrations, backup and verification."""
