"""Persistence: the database schema, its migrations, repositories, API keys and the audit log."""
