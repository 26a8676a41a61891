"""Who is calling: the tenant every read and write is scoped to."""
