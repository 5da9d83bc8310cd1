"""The organisation edit flow with eligibility figures awaiting a facilitator (issue 16, finding 14):
a firm's figures are shown as awaiting confirmation, the checks keep the confirmed ones, and a
facilitator confirms or rejects them from a small list."""

import re

from .conftest import token


def _form(c, path: str) -> dict:
    html = c.get(path).get_data(as_text=True)
    fields = dict(re.findall(r'<input id="f-[^"]+" name="([^"]+)" value="([^"]*)"', html))
    fields.update(re.findall(r'<select id="f-[^"]+" name="([^"]+)"[^>]*>(?:(?!</select>).)*?<option value="([^"]*)" selected',
                             html, re.S))
    fields.update({k: v.strip() for k, v in re.findall(r'<textarea id="f-[^"]+" name="([^"]+)"[^>]*>([^<]*)</textarea>', html)})
    return fields


def test_a_firm_proposes_and_a_facilitator_confirms(app, client_for, small_store):
    firm = client_for("cups")
    form = _form(firm, "/orgs/B1/edit")
    assert form["employees"] == "12"
    r = firm.post("/orgs/B1/edit", data={**form, "employees": "9", "csrf_token": token(firm)})
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    assert small_store.organisation("B1").employees == 12          # the checks still read 12
    page = firm.get("/orgs/B1/edit").get_data(as_text=True)
    assert "Awaiting confirmation by a facilitator" in page and 'name="employees" value="9"' in page
    assert firm.get("/pending-changes").status_code == 403

    fac = client_for("fac")
    listing = fac.get("/pending-changes").get_data(as_text=True)
    assert "Grøn Kop ApS" in listing and "Employees" in listing
    change = re.search(r'action="/pending-changes/(\d+)"', listing).group(1)
    r = fac.post(f"/pending-changes/{change}", data={"decision": "confirm", "csrf_token": token(fac)})
    assert r.status_code == 302
    assert small_store.organisation("B1").employees == 9
    assert "Nothing awaits confirmation." in fac.get("/pending-changes").get_data(as_text=True)
    assert "Awaiting confirmation" not in firm.get("/orgs/B1/edit").get_data(as_text=True)
    assert fac.post(f"/pending-changes/{change}", data={"decision": "reject", "csrf_token": token(fac)}).status_code == 404
