"""Issue 16, finding 4 (pages): a new deployment starts as an empty store; every page without
parameters answers 200 (an empty state) on stores of 0, 1 and 2 streams, for visitors and staff."""

import pytest

from matchmaker.trust.accounts import add_user
from web import create_app

from ..conftest import FakeEmbedder
from ..matchmaker.test_small_stores import small_store_of
from .conftest import PASSWORD, login


@pytest.mark.parametrize("n", [0, 1, 2])
def test_every_page_answers_small_stores(n, tmp_path, vocab, monkeypatch):
    monkeypatch.setattr("matchmaker.matching.index.default_vocabulary", lambda: vocab)
    store = small_store_of(tmp_path, n)
    add_user(store, "fac", "facilitator", PASSWORD)
    app = create_app({"DB": store.url, "EMBEDDER": FakeEmbedder(), "SECRET_KEY": "t"})
    app.config.update(PROPAGATE_EXCEPTIONS=False)
    anon, fac = app.test_client(), app.test_client()
    login(fac, "fac")
    paths = sorted({r.rule for r in app.url_map.iter_rules()
                    if "GET" in r.methods and not r.arguments and r.endpoint != "static" and "logout" not in r.rule
                    and r.rule != "/api/search"})  # without a text: a 400 asking for one
    paths += ["/?text=kaffegrums&direction=offer", "/api/search?text=kaffegrums&direction=need&postcode=8000"]
    bad = []
    for path in paths:
        for who, c in (("visitor", anon), ("facilitator", fac)):
            r = c.get(path)
            ok = {200, 302} if who == "facilitator" else {200, 302, 401, 403}  # 302: a page that moved
            if r.status_code not in ok:
                bad.append((who, path, r.status_code))
    assert not bad, bad
