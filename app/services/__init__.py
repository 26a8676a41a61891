"""Services: one tenant's instance of a catalog entry on a target."""
