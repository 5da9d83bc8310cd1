"""Issue 16, finding 1: a visitor searching from a dozen postcodes across Denmark, holding the
public list of firms in each pseudonym's sector and region, narrows no anonymised owner to
three suspects or fewer."""

import math

import pytest

from matchmaker.io.importer import import_files
from matchmaker.paths import DEMO_DIR
from matchmaker.reference import postcodes
from matchmaker.store import Store
from matchmaker.trust.access import SECTOR_WORDS, pseudonym
from web import create_app

from ..conftest import FakeEmbedder

# from Skagen to Gedser, Esbjerg to Bornholm
ASK_FROM = ["9990", "9000", "7700", "8000", "6700", "7100", "5000", "6400", "4000", "4800", "2100", "3700"]


def km(a: str, b: str) -> float:
    p, q = postcodes()[a], postcodes()[b]
    la1, lo1, la2, lo2 = map(math.radians, (p.latitude, p.longitude, q.latitude, q.longitude))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('tri') / 'demo.db'}")
    import_files(store, [DEMO_DIR / "organisations.csv", DEMO_DIR / "streams.csv"])
    app = create_app({"TESTING": True, "DB": store.url, "EMBEDDER": FakeEmbedder(), "SECRET_KEY": "t"})
    return store, app.test_client()


def test_triangulation_narrows_no_owner_to_three(demo):
    store, visitor = demo
    orgs = {o.id: o for o in store.organisations()}
    anonymised = [s for s in store.streams() if s.confidentiality == "anonymised"]
    assert len(anonymised) >= 50
    secret = store.secret()
    worst = []
    seen = 0
    for s in anonymised:
        readings = []
        pseudo_name = None
        for postcode in ASK_FROM:
            r = visitor.get("/api/search", query_string={
                "text": s.title, "direction": "need" if s.direction == "offer" else "offer",
                "postcode": postcode, "material": s.material, "top": 50})
            assert r.status_code == 200, r.get_data(as_text=True)
            for m in r.get_json()["results"]:
                other = m["other"]
                if other["org_id"] == pseudonym(secret, s.id):  # the stream under attack
                    pseudo_name = other["org_name"]
                    if m.get("km") is not None:
                        readings.append((postcode, m["km"]))
                    assert "distance" not in m["components"]
                    break
        owner = orgs[s.org_id]
        region = postcodes()[owner.postcode].region
        assert pseudo_name is None or pseudo_name.endswith(region)
        sector_shown = pseudo_name is None or any(w in pseudo_name for w in SECTOR_WORDS.values() if w != "firm")
        pool = [o for o in orgs.values() if o.kind == "firm" and postcodes()[o.postcode].region == region
                and (not sector_shown or o.sector == owner.sector)]
        consistent = [o for o in pool if all(abs(km(q, o.postcode) - d) <= 6 for q, d in readings)]
        suspects = consistent if owner in consistent else pool  # a wrong lead teaches nothing
        worst.append((len(suspects), s.id, pseudo_name, len(readings)))
        seen += pseudo_name is not None
    worst.sort()
    assert seen >= len(anonymised) // 2  # the attack found most streams in the results
    assert worst[0][0] > 3, worst[:5]
