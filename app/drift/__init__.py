"""Drift and health: know when reality leaves what was applied, and say so once."""
