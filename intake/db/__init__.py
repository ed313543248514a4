"""The service's metadata: SQLAlchemy 2.0 models and sessions (SQLite embedded, PostgreSQL in production)."""
