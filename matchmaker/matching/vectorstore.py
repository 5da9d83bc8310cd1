"""Stream vectors in PostgreSQL (pgvector): one nearest-neighbour index shared by every process.

On a PostgreSQL store with the pgvector extension, each stream's embedding ('emb') and, on stores
large enough to have one (index.LSA_ABOVE), its dense LSA text vector ('lex') live in the table
matchmaker_vectors, keyed by kind, model and stream id, with the hash of the text each came from.
A build writes only the rows whose text changed, and a later build, in any process, reads the
embeddings of unchanged texts back instead of running the model (`reading`). Single queries on
large stores (MatchIndex._candidates) take their candidates from HNSW indexes in the database
(`SharedNeighbours`), so web workers and CLI jobs share one index instead of each building its own
in memory (ann.HnswSearch); the full hybrid score then ranks the candidates as before.

On SQLite, or on a server without the extension, nothing here does anything.

One table holds every kind and model, so its column is a plain `vector` (the default embedding has
384 dimensions, the LSA vectors 256); each HNSW index is partial, for one kind, model and side
(offers or needs), over the cast `vec::vector(d)`: the way pgvector documents indexing vectors of
several dimensions in one column. Vectors are unit length, so inner product (vector_ip_ops, the
`<#>` operator: minus the product) orders by cosine. The table is not in the SQLAlchemy metadata:
its type exists only on PostgreSQL with the extension, and it holds derived data (no backup, no
data version).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable, Sequence

import numpy as np
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from matchmaker.matching import ann
from matchmaker.matching.embedding import Embedder
from matchmaker.matching.features import StreamFeatures
from matchmaker.matching.index import MatchIndex
from matchmaker.store import Store

log = logging.getLogger(__name__)

TABLE = "matchmaker_vectors"
LOCK = 0x6D6D5643  # pg_advisory_xact_lock key: one writer of the table at a time, across processes
MAX_EXPANSION = 1000  # pgvector's ceiling for hnsw.ef_search
BUILD_MEMORY = "512MB"  # maintenance_work_mem for an HNSW build: the graph of 50k 384-d rows fits
DIRECTIONS = {"offers": "offer", "needs": "need"}
KINDS = ("emb", "lex")
_LITERAL = re.compile(r"^[A-Za-z0-9._/#:-]{1,120}$")  # kinds, models and sides are written into the SQL

DDL = (
    f"""CREATE TABLE IF NOT EXISTS {TABLE} (
        kind text NOT NULL,
        model text NOT NULL,
        stream_id text NOT NULL,
        side text NOT NULL,
        text_hash text NOT NULL,
        vec vector NOT NULL,
        PRIMARY KEY (kind, model, stream_id))""",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_hash ON {TABLE} (kind, model, text_hash)",
)

_ready: dict[str, str | None] = {}  # database URL -> why the table cannot be used (None: ready)


def unavailable(store: Store) -> str | None:
    """Why this store cannot hold the shared vectors, or None when it can (the table is then made)."""
    engine = store.engine
    if engine.dialect.name != "postgresql":
        return f"the store is {engine.dialect.name}, not PostgreSQL"
    key = engine.url.render_as_string(hide_password=True)
    if key in _ready:
        return _ready[key]
    reason = _prepare(engine)
    if not (reason or "").startswith("cannot reach"):  # an outage is asked again next time
        _ready[key] = reason
    return reason


def _prepare(engine: Engine) -> str | None:
    try:
        import pgvector.psycopg  # noqa: F401  (binary vectors for bulk writes and reads)
    except ImportError:
        return "the Python package pgvector is not installed"
    try:
        with engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK})
            if not conn.scalar(text("SELECT 1 FROM pg_extension WHERE extname = 'vector'")):
                if not conn.scalar(text("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")):
                    return "the PostgreSQL server has no pgvector extension (`.ci/postgres.sh install` builds it)"
                conn.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
            for statement in DDL:
                conn.execute(text(statement))
    except OperationalError as exc:
        return f"cannot reach the database: {str(exc.orig).strip()}"
    except DBAPIError as exc:
        return f"cannot prepare the table {TABLE}: {str(exc.orig).strip()}"
    return None


def text_hash(value: str) -> str:
    return hashlib.sha1(value.encode("utf-8")).hexdigest()


def embedding_model(embedder: Embedder) -> str:
    """The embedding model's name in the table: readable, plus a hash of what shapes its vectors."""
    inner = getattr(embedder, "inner", embedder)
    shape = f"{inner.name}|{getattr(inner, 'path', '')}|{getattr(inner, 'prefix', '')}|{getattr(inner, 'dim', '')}"
    runtime = getattr(inner, "runtime", "torch")  # float and int8 ONNX vectors are other models' rows
    shape += "" if runtime == "torch" else f"|{runtime}"
    return f"{re.sub(r'[^A-Za-z0-9._-]', '_', str(inner.name))[:60]}#{text_hash(shape)[:12]}"


def lexical_model(index: MatchIndex) -> str | None:
    """The name of the index's dense text model (its LSA projection), or None when its text rows
    are sparse TF-IDF (stores below LSA_ABOVE streams: no dense vector to index). A store's frozen
    text model (textmodel.py) keeps its digest from one build and process to the next."""
    model = getattr(index, "text_model", None)
    if model is not None:
        return f"lsa#{model.digest[:16]}" if model.dense and model.digest else None
    if getattr(index, "lsa", None) is None:
        return None
    # an index with its own LSA fit: named for the texts it was fitted on, not for the fitted
    # numbers, which may differ in the last bits between two processes fitting the same texts
    h = hashlib.sha1(b"lsa")
    for t in index.texts:
        h.update(t.encode("utf-8") + b"\0")
    return f"lsa#{h.hexdigest()[:16]}"


def _check(*values: str) -> None:
    for value in values:
        if not _LITERAL.match(value):
            raise ValueError(f"not a safe kind, model or side name: {value!r}")


def index_name(kind: str, model: str, side: str) -> str:
    return f"{TABLE}_hnsw_{text_hash(f'{kind}|{model}|{side}')[:16]}"


def _where(kind: str, model: str, side: str | None = None) -> str:
    """The predicate as literals: a partial index is used only when the planner sees its exact
    constants (bound parameters would fall to a generic plan after a few runs)."""
    _check(kind, model, *([side] if side else []))
    return f"kind = '{kind}' AND model = '{model}'" + (f" AND side = '{side}'" if side else "")


def _vector_cursor(conn: Connection):
    """A raw psycopg cursor on the connection's transaction that reads and writes numpy rows as
    binary vectors (the pgvector package's adapters, on this cursor only)."""
    from pgvector.psycopg.vector import register_vector_info
    from psycopg.types import TypeInfo
    raw = conn.connection.driver_connection
    cursor = raw.cursor()
    register_vector_info(cursor, TypeInfo.fetch(raw, "vector"))
    return cursor


def _literal(vector: np.ndarray) -> str:
    return "[" + ",".join(f"{v:.8g}" for v in np.asarray(vector, dtype=np.float32).tolist()) + "]"


class VectorTable:
    """The rows of matchmaker_vectors on one database (see the module docstring)."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def stored(self, kind: str, model: str, side: str, conn: Connection | None = None) -> dict[str, str]:
        """stream id -> text hash of one kind, model and side."""
        sql = text(f"SELECT stream_id, text_hash FROM {TABLE} WHERE {_where(kind, model, side)}")
        if conn is not None:
            return dict(conn.execute(sql).all())
        with self.engine.connect() as own:
            return dict(own.execute(sql).all())

    def publish(self, kind: str, model: str, side: str, ids: Sequence[str], hashes: Sequence[str],
                vectors: np.ndarray) -> tuple[int, int]:
        """Make the rows of one kind, model and side these: rows whose text hash differs are
        rewritten, rows of streams not given are removed, the rest untouched. Returns (written, removed)."""
        wanted = dict(zip(ids, hashes))
        if self._diff(self.stored(kind, model, side), wanted) == ([], []):
            return 0, 0  # the common case, without taking the lock
        with self.engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK})
            changed, gone = self._diff(self.stored(kind, model, side, conn), wanted)  # again, under the lock
            if gone or changed:
                # by id, whatever the side: a stream that changed sides leaves its old row
                conn.execute(text(f"DELETE FROM {TABLE} WHERE {_where(kind, model)} AND stream_id = ANY(:ids)"),
                             {"ids": [*gone, *changed]})
            if changed:
                position = {sid: i for i, sid in enumerate(ids)}
                with _vector_cursor(conn) as cursor, cursor.copy(
                        f"COPY {TABLE} (kind, model, stream_id, side, text_hash, vec) FROM STDIN WITH (FORMAT BINARY)") as copy:
                    copy.set_types(["text", "text", "text", "text", "text", "vector"])
                    for sid in changed:
                        copy.write_row([kind, model, sid, side, wanted[sid], vectors[position[sid]]])
        return len(changed), len(gone)

    @staticmethod
    def _diff(current: dict[str, str], wanted: dict[str, str]) -> tuple[list[str], list[str]]:
        changed = [sid for sid, h in wanted.items() if current.get(sid) != h]
        gone = sorted(set(current) - set(wanted))
        return changed, gone

    def ensure_index(self, kind: str, model: str, side: str, dim: int) -> bool:
        """The HNSW index of one kind, model and side (built once, then kept up to date by every
        write). Returns whether it was built now."""
        name = index_name(kind, model, side)
        with self.engine.connect() as conn:
            if conn.scalar(text("SELECT to_regclass(:n)"), {"n": name}) is not None:
                return False
        with self.engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK})
            conn.execute(text(f"SET LOCAL maintenance_work_mem = '{BUILD_MEMORY}'"))
            conn.execute(text(
                f"CREATE INDEX IF NOT EXISTS {name} ON {TABLE} USING hnsw ((vec::vector({int(dim)})) vector_ip_ops) "
                f"WITH (m = {ann.CONNECTIVITY}, ef_construction = {ann.EXPANSION_ADD}) WHERE {_where(kind, model, side)}"))
        return True

    def prune(self, kind: str, keep: str) -> int:
        """Drop the rows and indexes of every other model of this kind (an LSA refit replaces the
        previous fit's vectors). Returns the rows removed."""
        _check(kind, keep)
        with self.engine.connect() as conn:
            old = list(conn.execute(text(f"SELECT DISTINCT model FROM {TABLE} WHERE kind = :kind AND model <> :keep"),
                                    {"kind": kind, "keep": keep}).scalars())
        if not old:
            return 0
        with self.engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK})
            for model in old:
                if _LITERAL.match(model):
                    for side in DIRECTIONS.values():
                        conn.execute(text(f"DROP INDEX IF EXISTS {index_name(kind, model, side)}"))
            return conn.execute(text(f"DELETE FROM {TABLE} WHERE kind = :kind AND model <> :keep"),
                                {"kind": kind, "keep": keep}).rowcount

    def by_hash(self, kind: str, model: str, hashes: Iterable[str]) -> dict[str, np.ndarray]:
        """The stored vectors of these text hashes (any stream's), as float32 rows."""
        wanted = sorted(set(hashes))
        if not wanted:
            return {}
        found: dict[str, np.ndarray] = {}
        with self.engine.connect() as conn, _vector_cursor(conn) as cursor:
            cursor.execute(f"SELECT DISTINCT ON (text_hash) text_hash, vec FROM {TABLE} "
                           f"WHERE {_where(kind, model)} AND text_hash = ANY(%s)", [wanted], binary=True)
            for h, vec in cursor:
                found[h] = vec.to_numpy()
        return found

    def nearest(self, kind: str, model: str, side: str, query: np.ndarray, k: int,
                expansion: int = ann.EXPANSION_SEARCH) -> list[str]:
        """Stream ids of the k rows nearest the query (highest inner product first), by the HNSW index."""
        with self.engine.begin() as conn:
            sql, params = self._search(conn, kind, model, side, query, k, expansion)
            return list(conn.execute(text(sql), params).scalars())

    def plan(self, kind: str, model: str, side: str, query: np.ndarray, k: int) -> str:
        """PostgreSQL's plan for `nearest` (it names the HNSW index it scans)."""
        with self.engine.begin() as conn:
            sql, params = self._search(conn, kind, model, side, query, k, ann.EXPANSION_SEARCH)
            return "\n".join(conn.execute(text("EXPLAIN " + sql), params).scalars())

    @staticmethod
    def _search(conn: Connection, kind: str, model: str, side: str, query: np.ndarray, k: int,
                expansion: int) -> tuple[str, dict]:
        query = np.asarray(query, dtype=np.float32).ravel()
        dim = len(query)
        # an expansion below k caps the results; above pgvector's ceiling an iterative scan goes on
        ef = min(max(expansion, k), MAX_EXPANSION)
        conn.execute(text(f"SET LOCAL hnsw.ef_search = {int(ef)}"))
        if k > ef:
            conn.execute(text("SET LOCAL hnsw.iterative_scan = strict_order"))
        # The planner prices a LIMIT of a thousand rows by HNSW near a full scan and sort, and then
        # scans every row of the side (measured: 30k rows, LIMIT 1000): these make the HNSW index
        # the only plan, as the candidates are meant to come from it at every size.
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        conn.execute(text("SET LOCAL enable_sort = off"))
        return (f"SELECT stream_id FROM {TABLE} WHERE {_where(kind, model, side)} "
                f"ORDER BY (vec::vector({dim})) <#> CAST(:q AS vector({dim})) LIMIT :k"), {"q": _literal(query), "k": int(k)}


class DatabaseSearch:
    """ann.NeighbourSearch over one side's rows in the database: the ids it returns are mapped back
    to the caller's row numbers; rows the table lacks (or ids the caller does not know, written by
    a process with newer data) are completed from the exact order of the caller's own vectors."""

    approximate = True

    def __init__(self, table: VectorTable, kind: str, model: str, side: str, ids: Sequence[str], vectors: np.ndarray):
        self.table, self.kind, self.model, self.side = table, kind, model, side
        self.position = {sid: i for i, sid in enumerate(ids)}
        self.vectors = vectors
        self._exact: ann.ExactSearch | None = None

    def __len__(self) -> int:
        return len(self.position)

    def search(self, queries: np.ndarray, k: int) -> np.ndarray:
        queries = np.atleast_2d(np.asarray(queries, dtype=np.float32))
        k = min(k, len(self.position))
        out = np.zeros((len(queries), max(k, 0)), np.int64)
        for r, query in enumerate(queries if k > 0 else ()):
            found = self.table.nearest(self.kind, self.model, self.side, query, k)
            rows = list(dict.fromkeys(self.position[sid] for sid in found if sid in self.position))[:k]
            if len(rows) < k:
                if self._exact is None:
                    self._exact = ann.ExactSearch(self.vectors)
                have = set(rows)
                rows += [j for j in self._exact.search(query, k)[0].tolist() if j not in have][:k - len(rows)]
            out[r] = rows
        return out


class SharedNeighbours:
    """MatchIndex.neighbours on a PostgreSQL store: (side, kind, that side's features) -> the
    database's search, or None (the index then builds its own in memory). On first use for a
    kind and side it writes the changed rows and builds the HNSW index if there is none yet.
    A pickled copy (indexcache) is inert: the engine is not pickled; `attach` gives a new one."""

    def __init__(self, table: VectorTable, models: dict[str, str], index: MatchIndex):
        self.table: VectorTable | None = table
        self.models = models
        self.index: MatchIndex | None = index

    def __getstate__(self) -> dict:
        return {"table": None, "models": {}, "index": None}

    def _hashes(self, feats: StreamFeatures, vectors: np.ndarray) -> list[str]:
        index = self.index
        out = []
        for i, s in enumerate(feats.streams):
            row = index.row.get(s.id) if index is not None else None
            out.append(text_hash(index.texts[row]) if row is not None and row < len(index.texts)
                       else hashlib.sha1(vectors[i].tobytes()).hexdigest())  # a row the index gained later
        return out

    def __call__(self, side: str, kind: str, feats: StreamFeatures) -> ann.NeighbourSearch | None:
        table, model = self.table, self.models.get(kind)
        vectors = feats.emb if kind == "emb" else feats.tfidf
        if table is None or model is None or side not in DIRECTIONS or not isinstance(vectors, np.ndarray) or not len(vectors):
            return None
        direction = DIRECTIONS[side]
        ids = [s.id for s in feats.streams]
        try:
            table.publish(kind, model, direction, ids, self._hashes(feats, vectors), vectors)
            if kind == "lex":
                table.prune(kind, model)
            table.ensure_index(kind, model, direction, vectors.shape[1])
        except DBAPIError as exc:
            log.warning("nearest-neighbour index in PostgreSQL unavailable (%s); using one in memory", str(exc.orig).strip())
            return None
        return DatabaseSearch(table, kind, model, direction, ids, vectors)


class SharedEmbedder:
    """Embeddings of texts already in the table are read back; only the others go to `inner`."""

    def __init__(self, inner: Embedder, table: VectorTable):
        self.inner = inner
        self.name = inner.name
        self.table = table
        self.model = embedding_model(inner)
        self.computed = 0  # texts sent to `inner`, for tests and benchmarks
        self.read = 0      # texts read from the table

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return self.inner.encode(texts)
        hashes = [text_hash(t) for t in texts]
        try:
            found = self.table.by_hash("emb", self.model, hashes)
        except DBAPIError as exc:
            log.warning("embeddings not read from PostgreSQL (%s)", str(exc.orig).strip())
            found = {}
        missing = list(dict.fromkeys(h for h in hashes if h not in found))
        if missing:
            first = {h: t for h, t in zip(hashes, texts)}
            computed = self.inner.encode([first[h] for h in missing])
            self.computed += len(missing)
            if found and len(next(iter(found.values()))) != computed.shape[1]:  # another model under this name
                return self.inner.encode(texts)
            found.update(zip(missing, computed))
        self.read += len(texts) - len(missing)
        return np.vstack([found[h] for h in hashes]).astype(np.float32, copy=False)


def reading(store: Store, embedder: Embedder) -> Embedder:
    """The embedder to build a store's index with: on PostgreSQL with pgvector, one that reads the
    embeddings of unchanged texts from the table first; elsewhere `embedder` itself."""
    if unavailable(store):
        return embedder
    return SharedEmbedder(embedder, VectorTable(store.engine))


def attach(store: Store, index: MatchIndex) -> MatchIndex:
    """On PostgreSQL with pgvector: write the embeddings of the streams whose text changed, and give
    the index the database's nearest-neighbour search for its single queries. Elsewhere (or if the
    write fails) the index is left as it was, with its own in-memory search."""
    if isinstance(index.embedder, SharedEmbedder):  # queries embed their own text: no table look-up
        index.embedder = index.embedder.inner
    if unavailable(store):
        return index
    table = VectorTable(store.engine)
    models = {"emb": embedding_model(index.embedder)}
    lexical = lexical_model(index)
    if lexical is not None:
        models["lex"] = lexical
    hashes = [text_hash(t) for t in index.texts]
    try:
        for side, feats, rows in (("offer", index.offers, index.offer_rows), ("need", index.needs, index.need_rows)):
            if len(rows):
                table.publish("emb", models["emb"], side, [s.id for s in feats.streams], [hashes[r] for r in rows], feats.emb)
            else:
                table.publish("emb", models["emb"], side, [], [], np.zeros((0, 1), np.float32))
    except DBAPIError as exc:
        log.warning("embeddings not written to PostgreSQL (%s); single queries use an index in memory", str(exc.orig).strip())
        return index
    index.neighbours = SharedNeighbours(table, models, index)
    return index
