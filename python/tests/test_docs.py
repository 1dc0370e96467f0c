"""The examples in the public docstrings run and print what they say."""

from __future__ import annotations

import doctest
import importlib

import pytest

import wea

MODULES = ["wea._buffer", "wea._file", "wea._shm", "wea.buffered_memory", "wea.shared_memory"]


@pytest.mark.parametrize("module", MODULES)
def test_docstring_examples(module: str) -> None:
    result = doctest.testmod(
        importlib.import_module(module), optionflags=doctest.NORMALIZE_WHITESPACE
    )
    assert result.failed == 0
    assert result.attempted > 0


def test_public_api_is_documented() -> None:
    for name in wea.__all__:
        obj = getattr(wea, name)
        if name.startswith("__") or isinstance(obj, (str, tuple)):
            continue
        assert obj.__doc__, name
        if callable(obj) and not isinstance(obj, type):
            doc = obj.__doc__
            assert "Parameters" in doc or "Returns" in doc, name
