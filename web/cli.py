"""The `matchmaker` command with the web explorer: the domain's commands plus `serve`,
and the server that `demo` starts once its store is built."""

from __future__ import annotations

import click

from matchmaker.cli import cli, db_option, model_option, set_server
from matchmaker.store import Store


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@db_option
@model_option
def serve(host: str, port: int, db: str | None, model: str | None) -> None:
    """Run the web explorer with a production WSGI server (waitress)."""
    run_server(host, port, db, model)


def run_server(host: str, port: int, db: str | None, model: str | None) -> None:
    from waitress import serve as waitress_serve

    from . import create_app
    app = create_app({"DB": Store(db).url, "MODEL": model})
    click.echo(f"Matchmaker is running at http://{host}:{port}/  (Ctrl+C stops it)")
    waitress_serve(app, host=host, port=port, threads=8, ident="matchmaker")


set_server(run_server)  # `matchmaker demo` serves with it


def main() -> None:
    cli(prog_name="matchmaker")
