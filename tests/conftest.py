from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from matchmaker.importer import import_files
from matchmaker.store import Store

SMALL = Path(__file__).parent / "data" / "small"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(f"sqlite:///{tmp_path / 'test.db'}")


@pytest.fixture
def small_store(store: Store) -> Store:
    import_files(store, [SMALL / "organisations.csv", SMALL / "streams.csv"])
    return store


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()
