"""Shared fixtures: every test starts in sim mode with no key, budget or recording left over."""

from __future__ import annotations

import pytest

from evalbook import modes


@pytest.fixture(autouse=True)
def _clean_mode(monkeypatch):
    for var in (
        "EVALBOOK_MODE",
        "EVALBOOK_REPLAY",
        "EVALBOOK_RECORD",
        "EVALBOOK_LIVE_BUDGET",
        "EVALBOOK_LIVE_MODELS",
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
    ):
        monkeypatch.delenv(var, raising=False)
    modes._reset_for_tests()
    yield
    modes._reset_for_tests()
