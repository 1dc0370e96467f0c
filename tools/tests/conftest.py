"""Shared paths of the tools' tests, and the marker of the dry run.

The generated Kaitai parser (build/kaitai), tools/ and this directory are on
``sys.path`` through ``pythonpath`` in tools/tests/pytest.ini, not through
code here.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KAITAI_DIR = ROOT / "build" / "kaitai"


def pytest_configure(config: object) -> None:
    """Register the marker of the dry run (test_add_element_type.py)."""
    config.addinivalue_line(  # type: ignore[attr-defined]
        "markers", "dryrun: copies the repository and adds an element type (make test-add-type)"
    )
