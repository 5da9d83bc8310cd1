"""Serves vis-network from the installed pyvis package, so pages need no CDN."""

from __future__ import annotations

from pathlib import Path

import pyvis
from flask import Blueprint, send_from_directory

VIS_DIR = Path(pyvis.__file__).parent / "templates" / "lib" / "vis-9.1.2"
bp = Blueprint("vendor", __name__)


@bp.get("/vendor/vis/<any('vis-network.min.js', 'vis-network.css'):name>")
def vis(name: str):
    return send_from_directory(VIS_DIR, name, max_age=86400)
