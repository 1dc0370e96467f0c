"""Functions that run in other processes (multiprocessing with spawn)."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

import wea


def describe(arr: Any) -> tuple[str, str | None, bool, list[Any]]:
    """Report what arrived: its class, its segment, writeable, its values."""
    return (type(arr).__name__, getattr(arr, "name", None), bool(arr.flags.writeable), arr.tolist())


def add_one(arr: Any) -> int:
    """Add 1 in place in the received array; return this process's pid."""
    arr += 1
    return os.getpid()


def attach_and_sum(name: str) -> float:
    """Attach by name, sum, and exit without closing anything."""
    return float(wea.attach_shared_array(name).sum())


def attach_loop(name: str, rounds: int) -> dict[str, int]:
    """Attach again and again while another process creates and unlinks.

    Counts each outcome; anything but the expected ones is an error.
    """
    seen: dict[str, int] = {}
    for _ in range(rounds):
        try:
            arr = wea.attach_shared_array(name)
        except FileNotFoundError:
            key = "absent"
        except wea.WeaError as e:
            key = e.category
        else:
            ok = arr.shape == (64, 64) and arr.dtype == np.float64 and bool((arr == 7.0).all())
            key = "valid" if ok else "GARBAGE"
        seen[key] = seen.get(key, 0) + 1
    return seen
