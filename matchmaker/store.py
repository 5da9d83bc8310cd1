"""The embedded store: SQLite by default, any SQLAlchemy 2.x URL (PostgreSQL) works.

Schema is created on first use; `meta.schema_version` records the layout so a
later release can migrate older stores.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql.dml import UpdateBase

from matchmaker.errors import ConfigError
from matchmaker.model import Organisation, Stream
from matchmaker.settings import settings

SCHEMA_VERSION = 3  # 2: users, introductions, audit log; 3: cases, feedback, new nullable columns
DEFAULT_DB = "sqlite:///matchmaker.db"

metadata = MetaData()

meta = Table("meta", metadata, Column("key", String(64), primary_key=True), Column("value", Text))

# The data version: a counter per table plus "*" for any change, bumped in the same
# transaction as every write (see _bump_versions), so each process that caches what it
# read can check "*" once per request and reload, after the write, what depends on the
# tables that moved. The audit log, `meta`, notifications, saved searches and the text model
# change no cached view and bump nothing.
data_versions = Table("data_versions", metadata, Column("name", String(64), primary_key=True),
                      Column("version", Integer, nullable=False))
UNVERSIONED = frozenset({"meta", "audit", "data_versions", "notifications", "saved_searches", "text_models"})

organisations = Table(
    "organisations", metadata,
    Column("id", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("sector", String(32), nullable=False),
    Column("postcode", String(4), nullable=False),
    Column("cvr", String(8)),
    Column("nace", String(8)),
    Column("employees", Float),
    Column("turnover_eur", Float),
    Column("balance_sheet_eur", Float),
    Column("founded_year", Integer),
    Column("closed_financial_years", Integer),
    Column("in_difficulty", Boolean),
    Column("primary_production", Boolean),
    Column("de_minimis_eur", Float),
    Column("de_minimis_regulation", String(16)),
    Column("de_minimis_declared", String(10)),
    Column("last_accounts_year", Integer),
    Column("equity_eur", Float),
    Column("group_employees", Float),
    Column("group_turnover_eur", Float),
    Column("group_balance_sheet_eur", Float),
    Column("competences", Text, nullable=False, default="[]"),
    Column("profile", Text, nullable=False, default=""),
    Column("invented", Boolean, nullable=False, default=False),
    Column("contact_person", Text),
    Column("contact_email", Text),
    Column("contact_phone", Text),
)

streams = Table(
    "streams", metadata,
    Column("id", String(64), primary_key=True),
    Column("org_id", String(64), ForeignKey("organisations.id"), nullable=False, index=True),
    Column("direction", String(8), nullable=False),
    Column("title", Text, nullable=False),
    Column("language", String(2), nullable=False),
    Column("material", String(32), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("ewc", String(6)),
    Column("quantity", Float),
    Column("unit", String(16)),
    Column("availability", String(16), nullable=False),
    Column("months", Text, nullable=False, default="[]"),
    Column("interval_days", Integer),
    Column("price_dkk_per_unit", Float),
    Column("treatment_cost_dkk_per_unit", Float),
    Column("fate", String(32)),
    Column("confidentiality", String(16), nullable=False),
    Column("invented", Boolean, nullable=False, default=False),
)

# Stored top-k counterparts of each stream (both directions), so pages read
# rather than recompute; `detail` holds the components and the explanation.
matches = Table(
    "matches", metadata,
    Column("stream_id", String(64), primary_key=True),
    Column("rank", Integer, primary_key=True),
    Column("other_id", String(64), nullable=False),
    Column("score", Float, nullable=False),
    Column("detail", Text, nullable=False),
)

# The text model the stored matches were scored with (TF-IDF vocabulary and weights, LSA
# directions: matching/textmodel.py), frozen between refits so one changed stream moves only
# the lists it touches. `changed` counts streams changed since the fit (drift).
text_models = Table(
    "text_models", metadata,
    Column("name", String(32), primary_key=True),
    Column("digest", String(64), nullable=False),
    Column("rows", Integer, nullable=False),
    Column("changed", Integer, nullable=False),
    Column("fitted_at", String(32), nullable=False),
    Column("body", LargeBinary, nullable=False),
)

# Accounts: `org_id` ties a firm user to its organisation; passwords are argon2 hashes.
users = Table(
    "users", metadata,
    Column("username", String(64), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("org_id", String(64), ForeignKey("organisations.id")),
    Column("password_hash", Text, nullable=False),
    Column("created_at", String(32), nullable=False),
    # random, replaced at logout, password change and re-creation: a cookie carries it and
    # stops working when it changes (issue 16, finding 9)
    Column("session_key", String(64)),
)

# One introduction per offer-need pair; each side's consent is None (not asked
# yet), True or False, and the status follows from both.
introductions = Table(
    "introductions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("offer_id", String(64), ForeignKey("streams.id"), nullable=False),
    Column("need_id", String(64), ForeignKey("streams.id"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("offer_consent", Boolean),
    Column("need_consent", Boolean),
    Column("requested_by", String(64), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("updated_at", String(32), nullable=False),
    Column("message", Text),  # the asker's short note to the other side
    UniqueConstraint("offer_id", "need_id", name="uq_introduction_pair"),
)

audit = Table(
    "audit", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(32), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(32), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("detail", Text, nullable=False, default=""),
)

# Value-chain cases of a programme (matchmaker/programmes/cases.py): the case, its members with
# roles, its flows, its non-flow elements, and every phase change (undone ones kept, marked).
cases = Table(
    "cases", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("programme_id", String(64), nullable=False, index=True),
    Column("number", String(16), nullable=False),
    Column("title", Text, nullable=False),
    Column("phase", String(24), nullable=False),
    Column("phase_date", String(10), nullable=False),
    Column("due_date", String(10)),
    Column("track", String(16)),
    Column("round_id", String(32)),
    Column("sector", String(32)),
    Column("budget_dkk", Float),
    Column("grant_dkk", Float),
    Column("decision", String(16)),
    Column("decision_reason", Text),
    Column("decision_date", String(10)),
    Column("drop_reason", Text),
    Column("public", Boolean, nullable=False, default=False),
    Column("notes", Text, nullable=False, default=""),
    Column("proposal_id", String(32)),
    Column("created_at", String(32), nullable=False),
    Column("updated_at", String(32), nullable=False),
    UniqueConstraint("programme_id", "number", name="uq_case_number"),
)

case_members = Table(
    "case_members", metadata,
    Column("case_id", Integer, ForeignKey("cases.id"), primary_key=True),
    Column("org_id", String(64), ForeignKey("organisations.id"), primary_key=True),
    Column("role", String(24), nullable=False),
    Column("position", Integer, nullable=False, default=0),
)

case_links = Table(
    "case_links", metadata,
    Column("case_id", Integer, ForeignKey("cases.id"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("offer_id", String(64), ForeignKey("streams.id"), nullable=False),
    Column("need_id", String(64), ForeignKey("streams.id"), nullable=False),
    Column("score", Float),  # the match score when saved from a proposal; None for a flow a facilitator added
    Column("flow", Float),
    Column("unit", String(16)),
    Column("tonnes", Float),
    Column("co2e", Float),
    Column("assumptions", Text, nullable=False, default="[]"),
)

case_elements = Table(
    "case_elements", metadata,
    Column("case_id", Integer, ForeignKey("cases.id"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("tonnes", Float),
    Column("co2e", Float),
)

case_events = Table(
    "case_events", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False, index=True),
    Column("date", String(10), nullable=False),
    Column("at", String(32), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("from_phase", String(24)),
    Column("to_phase", String(24), nullable=False),
    Column("detail", Text, nullable=False, default=""),
    Column("before", Text, nullable=False, default="{}"),
    Column("undone_at", String(32)),
)

# Figures the store cannot count (course participants, the accounts' spend), entered by a facilitator.
kpi_entries = Table(
    "kpi_entries", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("programme_id", String(64), nullable=False),
    Column("kpi", String(48), nullable=False),
    Column("value", Float, nullable=False),
    Column("as_of", String(10), nullable=False),
    Column("source", Text, nullable=False, default=""),
    Column("entered_by", String(64), nullable=False),
    Column("at", String(32), nullable=False),
)

# An eligibility figure a firm typed about itself (employees, de minimis aid, in difficulty...)
# waits here until a facilitator confirms it; the checks read only the organisation's
# confirmed value (trust.editing). No foreign key: a removed organisation's rows are skipped.
pending_changes = Table(
    "pending_changes", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("org_id", String(64), nullable=False, index=True),
    Column("field", String(64), nullable=False),
    Column("value", Text, nullable=False),       # as the form's cell text ("" = unknown)
    Column("proposed_by", String(64), nullable=False),
    Column("at", String(32), nullable=False),
    Column("status", String(16), nullable=False),  # pending, confirmed or rejected
    Column("decided_by", String(64)),
    Column("decided_at", String(32)),
)

# Labels from use: a facilitator's "good match" (1) or "not relevant" (0) on a suggested
# offer-need pair (matchmaker/matching/feedback.py); one mark per pair, the latest wins.
feedback = Table(
    "feedback", metadata,  # no foreign keys: a label must not stop a stream's removal; readers skip gone streams
    Column("offer_id", String(64), primary_key=True),
    Column("need_id", String(64), primary_key=True),
    Column("label", Integer, nullable=False),
    Column("marked_by", String(64), nullable=False),
    Column("at", String(32), nullable=False),
)

# What a user is told (an introduction asked for or agreed, a saved search's new match):
# shown in the app until read, and mailed to the organisation's contact (trust.notifications).
notifications = Table(
    "notifications", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, index=True),
    Column("at", String(32), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("params", Text, nullable=False, default="{}"),
    Column("link", Text, nullable=False, default=""),
    Column("read_at", String(32)),
)

# "Tell me when someone offers coffee grounds within 100 km": a user's search kept with the
# streams it has already reported, so an alert names each new partner once (trust.alerts).
saved_searches = Table(
    "saved_searches", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, index=True),
    Column("text", Text, nullable=False),
    Column("direction", String(8), nullable=False),
    Column("postcode", String(4)),
    Column("ewc", String(6)),
    Column("quantity", Float),
    Column("unit", String(16)),
    Column("material", String(32)),
    Column("max_km", Float),
    Column("min_score", Float),
    Column("seen", Text, nullable=False, default="[]"),
    Column("created_at", String(32), nullable=False),
)

_LIST_COLUMNS = {"competences", "months"}


def resolve_url(db: str | None) -> str:
    """--db wins, then MATCHMAKER_DB, then ./matchmaker.db. A bare path means SQLite."""
    url = db or settings().db or DEFAULT_DB
    if "://" not in url:
        url = f"sqlite:///{Path(url).expanduser().resolve()}"
    return url


def _add_missing_columns(conn: Connection) -> None:
    """An older store gets the nullable columns that newer versions added to its tables."""
    inspector = inspect(conn)
    for table in metadata.sorted_tables:
        have = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in have:
                if not column.nullable and column.server_default is None:
                    raise ConfigError(f"cannot add required column {table.name}.{column.name} to an old store")
                kind = column.type.compile(dialect=conn.dialect)
                conn.execute(text(f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {kind}'))


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # a writer waits this long for another to finish; WAL lets readers go on reading while one writes
    cursor.execute(f"PRAGMA busy_timeout={int(settings().busy_timeout_s * 1000)}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _note_write(conn: Connection, statement, *_args) -> None:
    """Remember which versioned tables this transaction wrote (any Core insert, update or delete)."""
    table = getattr(statement, "table", None)
    if isinstance(statement, UpdateBase) and table is not None and table.name not in UNVERSIONED:
        conn.info.setdefault("written", set()).add(table.name)


def _forget_writes(conn: Connection, *_args) -> None:
    conn.info.pop("written", None)


def _bump_versions(conn: Connection) -> None:
    """Just before COMMIT, inside the same transaction: each written table's counter and "*"
    go up by one, so a reader never sees the new data under the old version. Rows are
    updated in name order ("*" last), so concurrent writers lock them in the same order."""
    written = conn.info.pop("written", None)
    for name in [*sorted(written), "*"] if written else []:
        bumped = conn.execute(data_versions.update().where(data_versions.c.name == name)
                              .values(version=data_versions.c.version + 1))
        if bumped.rowcount == 0:  # a table newer than this store's rows
            conn.execute(data_versions.insert().values(name=name, version=1))


def _version_rows(conn: Connection) -> None:
    have = set(conn.execute(select(data_versions.c.name)).scalars())
    names = ["*", *(t.name for t in metadata.sorted_tables if t.name not in UNVERSIONED)]
    missing = [{"name": n, "version": 0} for n in names if n not in have]
    if missing:
        conn.execute(data_versions.insert(), missing)


def is_locked(exc: BaseException) -> bool:
    """A write gave up waiting for another (SQLite 'database is locked'; PostgreSQL lock timeouts)."""
    text = str(getattr(exc, "orig", exc)).lower()
    return "database is locked" in text or "lock timeout" in text or "could not obtain lock" in text


class Store:
    """A handle on one store; every write goes through `transaction()`."""

    def __init__(self, url: str | None = None):
        self.url = resolve_url(url)
        try:
            self.engine: Engine = create_engine(self.url)
        except (SQLAlchemyError, ImportError, ValueError) as exc:
            raise ConfigError(f"cannot open store {self.url!r}: {exc}") from None
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        event.listen(self.engine, "after_execute", _note_write)
        for name in ("begin", "rollback"):
            event.listen(self.engine, name, _forget_writes)
        event.listen(self.engine, "commit", _bump_versions)
        self._ensure_schema()

    def _ensure_schema(self) -> None:
        try:
            metadata.create_all(self.engine)
            with self.engine.begin() as conn:
                _add_missing_columns(conn)
                found = conn.execute(select(meta.c.value).where(meta.c.key == "schema_version")).scalar()
                if found is None:
                    conn.execute(meta.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))
                elif int(found) < SCHEMA_VERSION:  # create_all above added the new tables
                    conn.execute(meta.update().where(meta.c.key == "schema_version").values(value=str(SCHEMA_VERSION)))
                elif int(found) > SCHEMA_VERSION:
                    raise ConfigError(f"store {self.url} has schema version {found}, newer than this "
                                      f"Matchmaker ({SCHEMA_VERSION}); upgrade Matchmaker")
                _version_rows(conn)
        except SQLAlchemyError as exc:
            raise ConfigError(f"cannot open store {self.url!r}: {exc.__class__.__name__}: {exc.orig if hasattr(exc, 'orig') else exc}") from None

    @property
    def schema_version(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(meta.c.value).where(meta.c.key == "schema_version")).scalar())

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    # -- reading -----------------------------------------------------------
    def organisations(self) -> list[Organisation]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(organisations).order_by(organisations.c.id)).mappings()
            return [Organisation(**_from_row(r)) for r in rows]

    def streams(self) -> list[Stream]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(streams).order_by(streams.c.id)).mappings()
            return [Stream(**_from_row(r)) for r in rows]

    def organisation(self, org_id: str) -> Organisation | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(organisations).where(organisations.c.id == org_id)).mappings().first()
        return Organisation(**_from_row(row)) if row else None

    def stream(self, stream_id: str) -> Stream | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(streams).where(streams.c.id == stream_id)).mappings().first()
        return Stream(**_from_row(row)) if row else None

    def ids(self, conn: Connection, table: Table) -> set[str]:
        return set(conn.execute(select(table.c.id)).scalars())

    def secret(self) -> bytes:
        """A random key kept in the store (session signing, pseudonyms): stable across restarts."""
        with self.engine.begin() as conn:
            found = conn.execute(select(meta.c.value).where(meta.c.key == "secret")).scalar()
            if found is None:
                found = secrets.token_hex(32)
                conn.execute(meta.insert().values(key="secret", value=found))
        return bytes.fromhex(found)

    def data_version(self) -> int:
        """The "*" counter: it moves with every committed write to a versioned table (one row read)."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(data_versions.c.version).where(data_versions.c.name == "*")).scalar() or 0)

    def data_versions(self) -> dict[str, int]:
        """Every table's counter and "*", read together."""
        with self.engine.connect() as conn:
            return {r.name: r.version for r in conn.execute(select(data_versions))}

    def is_empty(self) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(organisations.c.id).limit(1)).first() is None

    # -- writing -----------------------------------------------------------
    def upsert(self, conn: Connection, orgs: list[Organisation], strs: list[Stream]) -> dict:
        """Insert new records, update changed ones; report what changed."""
        counts: dict = {"inserted": 0, "updated": 0, "unchanged": 0, "changed_streams": []}
        for table, records in ((organisations, orgs), (streams, strs)):
            existing = {r["id"]: dict(r) for r in conn.execute(
                select(table).where(table.c.id.in_([x.id for x in records]))).mappings()} if records else {}
            for record in records:
                row = _to_row(record)
                old = existing.get(row["id"])
                if old is None:
                    conn.execute(table.insert().values(**row))
                    counts["inserted"] += 1
                elif old != row:
                    conn.execute(table.update().where(table.c.id == row["id"]).values(**row))
                    counts["updated"] += 1
                else:
                    counts["unchanged"] += 1
                    continue
                if table is streams:
                    counts["changed_streams"].append(row["id"])
        return counts


def _to_row(record: Organisation | Stream) -> dict:
    row = asdict(record)
    for key in _LIST_COLUMNS & row.keys():
        row[key] = json.dumps(row[key], ensure_ascii=False)
    return row


def _from_row(row) -> dict:
    values = dict(row)
    for key in _LIST_COLUMNS & values.keys():
        values[key] = json.loads(values[key] or "[]")
    return values
