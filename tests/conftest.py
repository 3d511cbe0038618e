"""Shared test fixtures.

Real material lives in ``../shared`` beside the checkout. Tests that need it use the
``shared_dir`` fixture: they skip with a reason when it is absent, except when
``HIPCHECK_REQUIRE_SHARED=1`` (set by CI), where its absence is a failure.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("HIPCHECK_SHARED", REPO.parent / "shared"))


def _require_shared() -> bool:
    return os.environ.get("HIPCHECK_REQUIRE_SHARED", "") not in ("", "0")


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """Path to ``../shared``; skip (or fail under CI) when it is missing."""
    if not (SHARED / "data").is_dir():
        msg = f"shared test material not found at {SHARED}"
        if _require_shared():
            pytest.fail(msg + " (HIPCHECK_REQUIRE_SHARED=1)")
        pytest.skip(msg)
    return SHARED


@pytest.fixture
def rng() -> np.random.Generator:
    """Seeded random generator."""
    return np.random.default_rng(42)


_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: object) -> object:
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and not (
        host in ("localhost", "::1", "0.0.0.0") or host.startswith("127.") or host.startswith("/")
    ):
        raise RuntimeError(f"network access blocked in tests: {address!r}")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Block sockets except loopback, so a run-time download or telemetry fails loudly."""
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


@pytest.fixture(autouse=True)
def _restore_main_module():
    """Undo Streamlit AppTest's replacement of ``__main__``.

    AppTest runs page scripts as ``__main__``; if that leaks into later tests, processes
    started with the ``spawn`` method (the batch pool) re-run the temporary page script
    instead of importing the real entry point, and die.
    """
    import sys

    main = sys.modules.get("__main__")
    main_file = getattr(main, "__file__", None)
    yield
    sys.modules["__main__"] = main
    if main is not None and main_file is not None:
        main.__file__ = main_file
