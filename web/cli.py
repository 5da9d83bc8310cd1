"""The `matchmaker` command with the web explorer: the domain's commands plus `serve`,
and the server that `demo` starts once its store is built."""

from __future__ import annotations

import logging
import math
import time

import click

from matchmaker.cli import cli, db_option, model_option, set_server
from matchmaker.store import Store


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", type=click.IntRange(1, 512), default=None,
              help="Worker threads [env MATCHMAKER_THREADS; default 16].")
@click.option("--connections", type=click.IntRange(1, 100_000), default=None,
              help="Open connections accepted [env MATCHMAKER_CONNECTIONS; default 1000].")
@db_option
@model_option
def serve(host: str, port: int, threads: int | None, connections: int | None, db: str | None,
          model: str | None) -> None:
    """Run the web explorer with a production WSGI server (waitress)."""
    run_server(host, port, db, model, threads, connections)


class _OncePerMinute(logging.Filter):
    """waitress warns 'Task queue depth is N' on every queued request: say it once a minute."""

    def __init__(self) -> None:
        super().__init__()
        self.last = -math.inf
        self.hidden = 0

    def filter(self, record: logging.LogRecord) -> bool:
        now = time.monotonic()
        if now - self.last < 60:
            self.hidden += 1
            return False
        if self.hidden:
            record.msg = f"{record.msg} ({self.hidden} more such warnings in the last minute)"
        self.last, self.hidden = now, 0
        return True


def warm(app) -> float:
    """Build what requests read (index, stored pairs, the visitors' view, one search) before the
    server accepts a connection, so the first search answers as fast as the tenth. Returns seconds."""
    start = time.perf_counter()
    svc = app.extensions["matchmaker"]
    for _ in range(3):  # storing the pairs (a new store) moves the data version: warm what follows it
        snap = svc.check()
        _ = snap.index, snap.pairs, snap.public_world
        snap.proposals_for(app.config["DEFAULT_PROGRAMME"])  # the chains page's proposals (seconds)
        if snap.streams:
            snap.index.match_text("warm up", "offer", top=1)  # loads the embedder and the TF-IDF path
        if svc.check() is snap:
            break
    return time.perf_counter() - start


def run_server(host: str, port: int, db: str | None, model: str | None, threads: int | None = None,
               connections: int | None = None) -> None:
    from waitress import serve as waitress_serve

    from matchmaker.settings import settings

    from . import create_app
    app = create_app({"DB": Store(db).url, "MODEL": model})
    took = warm(app)  # index, pairs and the visitors' view built before the first request
    threads, connections = threads or settings().threads, connections or settings().connections
    logging.getLogger("waitress.queue").addFilter(_OncePerMinute())
    click.echo(f"ready in {took:.1f} s; Matchmaker is running at http://{host}:{port}/ with {threads} threads, "
               f"up to {connections} connections  (Ctrl+C stops it)")
    waitress_serve(app, host=host, port=port, threads=threads, connection_limit=connections,
                   backlog=max(1024, connections), channel_timeout=60, ident="matchmaker")


set_server(run_server)  # `matchmaker demo` serves with it


def main() -> None:
    cli(prog_name="matchmaker")
