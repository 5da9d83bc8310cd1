"""Value chains for facilitators: the proposals of a programme, one chain (or an edited one),
its JSON and CSV exports and its application summary."""

from __future__ import annotations

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext

from matchmaker.model import SECTORS
from matchmaker.programmes.proposals import SORTS, filter_proposals, group_permutations, sort_proposals, why_proposed
from matchmaker.programmes.rules import get_programme
from matchmaker.reference import REGIONS
from matchmaker.trust.introductions import introduce_chain

from .auth import acting_user, require
from .chainview import chain_csv, chain_query, chain_rows, current_chain
from .exports import xlsx_bytes
from .helpers import arg_choice, arg_float, arg_int, programme_arg, services

bp = Blueprint("chains", __name__)


def chains_data() -> dict:
    """The programme's proposals after the filters; the page and /api/chains."""
    svc = services()
    programme_id = programme_arg()
    f = {"sector": arg_choice("sector", SECTORS), "region": arg_choice("region", REGIONS),
         "min_score": arg_float("min_score", 0, 1), "eligibility": arg_choice("eligibility", ("pass", "fail", "unknown")),
         "firms": arg_int("firms", 0, 0, 10) or None, "kind": arg_choice("kind", ("pair", "path", "loop", "hub")),
         "region_mode": arg_choice("region_mode", ("any", "all")) or "any"}
    found = filter_proposals(svc.proposals(programme_id), svc.orgs, **f)
    # orderings of the same firms are one proposal unless asked for each (?orderings=all)
    if request.values.get("orderings") != "all":
        found = group_permutations(found)
    f["sort"] = arg_choice("sort", tuple(SORTS)) or "rank"
    found = sort_proposals(found, f["sort"])
    top = arg_int("top", 50, 1, 1000)
    pages = max(1, -(-len(found) // top))
    page = min(arg_int("page", 1, 1, 100000), pages)
    shown = found[(page - 1) * top:page * top]
    return {"programme": programme_id, "filters": f, "count": len(found), "page": page, "pages": pages, "top": top,
            "offset": (page - 1) * top, "chains": [p.as_dict(svc.orgs) for p in shown]}


def chain_data(chain_id: str) -> dict:
    """One chain, checked against the programme; the page, its exports and /api/chains/<id>."""
    p, _ = current_chain(chain_id)
    return p.as_dict(services().orgs)


@bp.get("/chains")
@require("chains")
def chains_page():
    return render_template("chains/chains.html", **chains_data())


@bp.get("/chains/<chain_id>")
@require("chains")
def chain_page(chain_id: str):
    p, programme_id = current_chain(chain_id)
    svc = services()
    candidates = sorted((o for o in svc.orgs.values() if o.id not in p.chain.members), key=lambda o: o.name)
    return render_template("chains/chain.html", chain=p.as_dict(svc.orgs), programme_id=programme_id,
                           query=chain_query(p, programme_id), candidates=candidates,
                           why=why_proposed(p, svc.orgs, svc.streams), money_note=g.get("money_note"),
                           materials={l.offer_id: svc.streams[l.offer_id].material for l in p.chain.links
                                      if l.offer_id in svc.streams},
                           titles={sid: svc.streams[sid].title for l in p.chain.links for sid in (l.offer_id, l.need_id)
                                   if sid in svc.streams})


@bp.get("/chains/<chain_id>.<any(json, csv, xlsx):fmt>")
@require("chains")
def chain_export(chain_id: str, fmt: str):
    data = chain_data(chain_id)
    if fmt == "json":
        return data
    if fmt == "xlsx":  # the CSV's twin with real numbers
        return Response(xlsx_bytes(chain_rows(data), "Chain"),
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f"attachment; filename={data['id']}.xlsx"})
    # Semicolons, a BOM and decimal commas for Danish Excel; ?sep=comma for the international form
    international = request.args.get("sep") == "comma"
    return Response(chain_csv(data, decimal_comma=not international), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={data['id']}.csv"})


@bp.get("/chains/<chain_id>/summary")
@require("chains")
def chain_summary(chain_id: str):
    p, programme_id = current_chain(chain_id)
    return render_template("chains/summary.html", chain=p.as_dict(services().orgs),
                           programme=get_programme(programme_id))


@bp.post("/chains/<chain_id>/introduce")
@require("introduce_chain")
def introduce_all(chain_id: str):
    """Ask for an introduction on every link of the chain at once (trust.introductions.introduce_chain)."""
    p, _ = current_chain(chain_id)
    done = introduce_chain(services().store, acting_user(), [(l.offer_id, l.need_id) for l in p.chain.links],
                           request.form.get("message", ""))
    flash(gettext("Introductions requested: %(n)s. Both firms of each link are asked.", n=len(done["requested"])))
    if done["skipped"]:
        flash(gettext("%(n)s links already had an introduction or cannot have one.", n=len(done["skipped"])))
    return redirect(url_for("introductions.introductions_page"))
