"""The programme's network: who could supply whom, drawn and exported as the viewer may see it."""

from __future__ import annotations

from flask import Blueprint, Response, render_template

from matchmaker.model import CONFIDENTIALITY, MATERIALS, SECTORS
from matchmaker.reference import REGIONS, ewc_chapters

from .auth import current_world, viewer
from .helpers import arg_choice, arg_float, services
from .netview import REGION_COLOURS, SECTOR_COLOURS, Filters, network_data

bp = Blueprint("network", __name__)


def filters() -> Filters:
    return Filters(sector=arg_choice("sector", SECTORS), region=arg_choice("region", REGIONS),
                   chapter=arg_choice("chapter", sorted(ewc_chapters())), material=arg_choice("material", MATERIALS),
                   min_score=arg_float("min_score", 0, 1) if arg_float("min_score", 0, 1) is not None else 0.3,
                   confidentiality=arg_choice("confidentiality", CONFIDENTIALITY),
                   group=arg_choice("group", ("region", "sector")))


def network() -> dict:
    """The filtered graph of the viewer's world; the page and /api/network."""
    world = current_world()
    return network_data(world.orgs, world.streams, world.pairs, filters())


@bp.get("/network")
def network_page():
    data = network()
    return render_template("network/network.html", data=data, f=filters(), chapters=ewc_chapters(),
                           confidentiality=CONFIDENTIALITY, sector_colours=SECTOR_COLOURS, region_colours=REGION_COLOURS)


@bp.get("/network.<any(graphml, gexf):fmt>")
def network_export(fmt: str):
    return Response(services().graph_export_for(viewer(), fmt), mimetype="application/xml",
                    headers={"Content-Disposition": f"attachment; filename=matchmaker-network.{fmt}"})
