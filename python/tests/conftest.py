"""Shared fixtures of the Python package's tests."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture
def root() -> Path:
    """The repository's top folder (examples, tests/catalog.toml)."""
    return ROOT
