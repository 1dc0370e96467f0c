"""Put the generated Kaitai parser, tools/ and the example extractor on sys.path."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KAITAI_DIR = ROOT / "build" / "kaitai"

for path in (KAITAI_DIR, ROOT / "tools", Path(__file__).resolve().parent):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))


def pytest_configure(config: object) -> None:
    """Register the marker of the dry run (test_add_element_type.py)."""
    config.addinivalue_line(  # type: ignore[attr-defined]
        "markers", "dryrun: copies the repository and adds an element type (make test-add-type)"
    )
