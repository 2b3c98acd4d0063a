"""Alembic environment for the store; run it through :func:`interdictor.store.db.upgrade`."""
