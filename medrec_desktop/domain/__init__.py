"""Plain data: enums, ids, errors and frozen DTOs shared by every layer."""
