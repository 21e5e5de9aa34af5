"""The drove binary the Python suites run: one place for how it is found."""

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def drove_binary() -> str:
    """DROVE, else `drove` on PATH, else the debug build of this checkout."""
    found = os.environ.get("DROVE") or shutil.which("drove")
    if found:
        return found
    built = ROOT / "target" / "debug" / "drove"
    if not built.exists():
        pytest.fail("no drove binary: run `cargo build -p drove` or set DROVE")
    return str(built)
