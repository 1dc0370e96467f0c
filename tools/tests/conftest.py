"""Put the generated Kaitai parser and the example extractor on sys.path."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KAITAI_DIR = ROOT / "build" / "kaitai"

for path in (KAITAI_DIR, Path(__file__).resolve().parent):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))
