"""The `matchmaker` command."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any, Callable

import click
from sqlalchemy.exc import SQLAlchemyError

from . import exporter
from .errors import MatchmakerError, ValidationFailed
from .importer import import_files
from .paths import DEMO_DIR
from .stats import summarise
from .store import Store


class _Group(click.Group):
    """Turns domain errors into one readable message and a non-zero exit, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ValidationFailed as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(2)
        except MatchmakerError as exc:
            raise click.ClickException(str(exc)) from None
        except SQLAlchemyError as exc:
            raise click.ClickException(f"store error: {exc.__class__.__name__}: {str(exc).splitlines()[0]}") from None
        except OSError as exc:
            raise click.ClickException(f"{exc.strerror or exc}: {exc.filename or ''}") from None


def db_option(func: Callable) -> Callable:
    return click.option("--db", envvar="MATCHMAKER_DB", default=None, metavar="URL",
                        help="Store: a SQLAlchemy URL or a SQLite file path "
                             "[env MATCHMAKER_DB; default ./matchmaker.db].")(func)


@click.group(cls=_Group)
@click.version_option(package_name="matchmaker")
def cli() -> None:
    """Find partners for circular value chains."""


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate only; write nothing.")
@db_option
def import_cmd(paths: tuple[Path, ...], dry_run: bool, db: str | None) -> None:
    """Import organisations and streams from CSV, .xlsx or JSON files, all or nothing."""
    report = import_files(Store(db), list(paths), dry_run=dry_run)
    verb = "would import" if dry_run else "imported"
    click.echo(f"{verb} {report.organisations} organisations and {report.streams} streams: "
               f"{report.inserted} new, {report.updated} updated, {report.unchanged} unchanged")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@db_option
def stats(as_json: bool, db: str | None) -> None:
    """Count organisations, firms, streams, offers and needs by sector and region."""
    store = Store(db)
    summary = summarise(store.organisations(), store.streams())
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
        return
    for key, value in summary.items():
        if isinstance(value, dict):
            click.echo(f"{key}:")
            for name, count in value.items():
                click.echo(f"  {name:<28} {count:>6}")
        else:
            click.echo(f"{key:<30} {value:>6}")


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None,
              help="File for json (default: standard output); folder for csv.")
@db_option
def export(fmt: str, output: Path | None, db: str | None) -> None:
    """Export the store losslessly (import the result to get the same data)."""
    store = Store(db)
    orgs, streams = store.organisations(), store.streams()
    if fmt == "json":
        text = exporter.to_json(orgs, streams)
        if output is None:
            click.echo(text)
        else:
            output.write_text(text, encoding="utf-8")
        return
    if output is None:
        raise click.UsageError("csv export writes two files: give a folder with --output")
    output.mkdir(parents=True, exist_ok=True)
    (output / "organisations.csv").write_text(exporter.organisations_csv(orgs), encoding="utf-8")
    (output / "streams.csv").write_text(exporter.streams_csv(streams), encoding="utf-8")
    click.echo(f"wrote {output / 'organisations.csv'} and {output / 'streams.csv'}")


def ensure_demo_store(store: Store) -> float | None:
    """Load the demo programme into an empty store; returns seconds taken, or None if it had data."""
    if not store.is_empty():
        return None
    start = time.perf_counter()
    import_files(store, [DEMO_DIR / "organisations.csv", DEMO_DIR / "streams.csv"])
    return time.perf_counter() - start


@cli.command()
@click.option("--no-serve", is_flag=True, help="Build the demo store and stop (no web server).")
@db_option
def demo(no_serve: bool, db: str | None) -> None:
    """Build the demo programme's store if missing, then show what it holds."""
    store = Store(db)
    took = ensure_demo_store(store)
    if took is None:
        click.echo(f"store {store.url} already holds data; using it")
    else:
        click.echo(f"built the demo store {store.url} in {took:.1f} s")
    summary = summarise(store.organisations(), store.streams())
    click.echo(f"{summary['organisations']} organisations ({summary['firms']} firms), "
               f"{summary['streams']} streams ({summary['offers']} offers, {summary['needs']} needs)")


def main() -> None:
    cli(prog_name="matchmaker")


if __name__ == "__main__":
    main()
