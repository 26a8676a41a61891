"""Secrets: sensitive values encrypted at rest, and masked in every line that leaves."""
