"""Counts that summarise a store."""

from __future__ import annotations

from collections import Counter

from matchmaker.model import Organisation, Stream
from matchmaker.reference import postcodes


def summarise(orgs: list[Organisation], streams: list[Stream]) -> dict:
    places = postcodes()
    return {
        "organisations": len(orgs),
        "firms": sum(o.kind == "firm" for o in orgs),
        "streams": len(streams),
        "offers": sum(s.direction == "offer" for s in streams),
        "needs": sum(s.direction == "need" for s in streams),
        "sectors": dict(sorted(Counter(o.sector for o in orgs).items())),
        "regions": dict(sorted(Counter(places[o.postcode].region for o in orgs).items())),
        "kinds": dict(sorted(Counter(o.kind for o in orgs).items())),
        "languages": dict(sorted(Counter(s.language for s in streams).items())),
        "materials": dict(sorted(Counter(s.material for s in streams).items())),
    }
