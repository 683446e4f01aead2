"""Fixtures shared by every test.

Every test runs with ECSPREP_HOME in a fresh temporary folder, so no test can
read or write the real user data directory, and with NO_COLOR and a fixed
width so rendered text is stable.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

# Speed is measured by benchmarks/, not by tests: a slow CI machine must not turn
# a property test red with hypothesis's per-example deadline.
settings.register_profile("ecsprep", deadline=None)
settings.load_profile("ecsprep")

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    home = tmp_path_factory.mktemp("ecsprep-home")
    monkeypatch.setenv("ECSPREP_HOME", str(home))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.delenv("ECSPREP_DEBUG", raising=False)
    return home
