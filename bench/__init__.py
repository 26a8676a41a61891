"""Benchmarks of SpawnIt end to end (`python -m bench`); see the README's Performance section."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the repository
PYTHON = sys.executable
