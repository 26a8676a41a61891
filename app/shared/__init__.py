"""Shared mode: several SpawnIt processes (API replicas, workers) on one Redis and one bucket.

The Redis implementations of the seams (`JobQueue`, `Locks`, `Bus`, ...) live here, each in a
module of its own, built by the composition root only when `Settings.shared` is true.
"""
