"""Lazy package exports: import a submodule only when one of its names is used.

Keeps ``import hipcheck`` and ``hipcheck --help`` fast and free of side effects (no
MediaPipe, PyAV or Dask import until a function needs it).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any


def lazy_getattr(package: str, exports: dict[str, str]) -> Callable[[str], Any]:
    """Return a module ``__getattr__`` that resolves ``exports`` (name -> module) on use."""

    def __getattr__(name: str) -> Any:
        if name in exports:
            return getattr(import_module(exports[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
