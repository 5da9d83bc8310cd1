from __future__ import annotations

import gc
import shutil
import subprocess
import tempfile
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from matchmaker.io.importer import import_files
from matchmaker.store import Store

SMALL = Path(__file__).parent / "data" / "small"


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing():
    """Production argon2 costs ~0.5 s a hash; the suite makes hundreds."""
    from matchmaker.trust.accounts import use_test_hasher
    use_test_hasher()


@pytest.fixture
def store(request, tmp_path: Path) -> Store:
    """An empty SQLite store; in tests marked `both_stores` also an empty PostgreSQL one."""
    if getattr(request, "param", "sqlite") == "postgres":
        return request.getfixturevalue("pg_store")
    return Store(f"sqlite:///{tmp_path / 'test.db'}")


@pytest.fixture
def new_store(request, tmp_path: Path):
    """Makes further empty stores on the same backend as `store` (a restore target, a second copy)."""
    made = 0

    def make() -> Store:
        nonlocal made
        made += 1
        if getattr(request.node, "callspec", None) and request.node.callspec.params.get("store") == "postgres":
            return request.getfixturevalue("pg_databases")()
        return Store(f"sqlite:///{tmp_path / f'new{made}.db'}")
    return make


# -- PostgreSQL: a real server or a skip with the reason, never SQLite in disguise -------------
PG_SCRIPT = Path(__file__).resolve().parent.parent / ".ci" / "postgres.sh"


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "both_stores: run with `store` on SQLite and on PostgreSQL")
    # A command run in-process by CliRunner opens its own Store and returns; a real process closes
    # those PostgreSQL connections at exit, here the garbage collector does, whenever it runs.
    config.addinivalue_line("filterwarnings", "ignore:.*psycopg.Connection.*deleted while still open:ResourceWarning")
    # The browser may drop a connection before it has read a static file (a page navigated on);
    # the threaded test server's file handle is then closed by the garbage collector, at whatever
    # later test it runs in. Only handles on web/static/ are excused.
    config.addinivalue_line("filterwarnings", "ignore:unclosed file <_io.BufferedReader name=.*/web/static/:ResourceWarning")
    config.addinivalue_line("filterwarnings",
                            "ignore:Exception ignored in. <_io.FileIO name=.*/web/static/:pytest.PytestUnraisableExceptionWarning")


def pytest_generate_tests(metafunc) -> None:
    if metafunc.definition.get_closest_marker("both_stores") and "store" in metafunc.fixturenames:
        metafunc.parametrize("store", ["sqlite", "postgres"], indirect=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """URL of a PostgreSQL database on a server where we may create databases.

    MATCHMAKER_TEST_PG names one (.ci/run starts it); otherwise a server is started here from the
    installed PostgreSQL binaries, on a socket in a temporary folder, and stopped at the end.
    """
    from matchmaker.settings import reload
    url = reload().test_pg
    if url:
        yield url
        return
    if not shutil.which("bash") or not PG_SCRIPT.exists():
        pytest.skip("PostgreSQL tests skipped: no bash or .ci/postgres.sh")
    folder = tempfile.mkdtemp(prefix="matchmaker-pg-")  # directly under /tmp: the postgres user can reach it
    done = subprocess.run(["bash", str(PG_SCRIPT), "start", folder], capture_output=True, text=True)
    if done.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(f"PostgreSQL tests skipped: {done.stderr.strip() or 'server did not start'} "
                    "(install PostgreSQL: sudo .ci/postgres.sh install, or set MATCHMAKER_TEST_PG)")
    try:
        yield done.stdout.strip()
    finally:
        subprocess.run(["bash", str(PG_SCRIPT), "stop", folder], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def pg_databases(pg_server: str):
    """Makes empty Stores, each on a fresh PostgreSQL database that is dropped after the test."""
    from sqlalchemy import create_engine, make_url, text
    base = make_url(pg_server)
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    made: list[tuple[str, Store]] = []

    def make() -> Store:
        name = f"mm_test_{uuid.uuid4().hex[:16]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        made.append((name, Store(base.set(database=name).render_as_string(hide_password=False))))
        return made[-1][1]
    yield make
    # Stores the code under test opened on these databases (a CLI command's, say) are dropped here
    # and their pooled connections closed, not left for a later test's garbage collection to warn about.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()
    for name, made_store in made:
        made_store.engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def pg_store(pg_databases) -> Store:
    """An empty Store on a fresh PostgreSQL database (skipped, saying why, when there is no server)."""
    return pg_databases()


@pytest.fixture
def small_store(store: Store) -> Store:
    import_files(store, [SMALL / "organisations.csv", SMALL / "streams.csv"])
    return store


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


class FakeEmbedder:
    """Deterministic bag-of-words hashing: no model, no network."""

    name = "fake"

    def __init__(self, dim: int = 64):
        self.dim = dim
        self.calls = 0

    def encode(self, texts):
        import re
        import zlib

        import numpy as np
        self.calls += len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[i, zlib.crc32(word.encode()) % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def vocab():
    from matchmaker.matching.concepts import load_vocabulary
    return load_vocabulary(Path(__file__).parent / "data" / "concepts_small.csv")


@pytest.fixture
def index(small_store, fake_embedder, vocab):
    from matchmaker.matching.index import MatchIndex
    from matchmaker.matching.weights import MatchWeights
    return MatchIndex(small_store.organisations(), small_store.streams(), fake_embedder, vocab, MatchWeights.default())
