"""Alembic migrations of the service's schema, applied at start-up (see intake.store.database.migrate)."""
