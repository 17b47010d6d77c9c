"""SQLite storage: schema, migrations and repositories that speak pydantic models."""
