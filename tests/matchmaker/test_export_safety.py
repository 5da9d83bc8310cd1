"""Issue 16, finding 12: every exported cell is guarded against formulas (list items too),
and cells holding ';' or a tab are quoted so Danish Excel does not split them."""

import csv
import io

from matchmaker.cells import csv_text
from matchmaker.io.exporter import organisations_csv
from matchmaker.io.importer import import_files
from matchmaker.model import Organisation


def test_list_items_and_semicolons_are_safe(store, tmp_path):
    org = Organisation(id="X1", name="Evil; =HYPERLINK(\"http://x\")", kind="firm", sector="other", postcode="8000",
                       competences=["=cmd|' /C calc'!A0", "welding", "@SUM(1)"], profile="tab\there;=1+1")
    text = organisations_csv([org])
    line = text.splitlines()[1]
    # no field (as Excel splitting on ',' or ';' would see it) starts a formula
    for delimiter in (",", ";"):
        for row in csv.reader(io.StringIO(line), delimiter=delimiter):
            assert not any(f.strip().startswith(("=", "+", "-", "@")) for f in row), (delimiter, row)
    # the cells with ';' or a tab are quoted, and the file reads back to the same organisation
    assert '"Evil; \'=HYPERLINK(""http://x"")"' in line and '"tab\there;\'=1+1"' in line
    (tmp_path / "o.csv").write_text(text, encoding="utf-8")
    import_files(store, [tmp_path / "o.csv"])
    assert store.organisation("X1").competences == org.competences
    assert store.organisation("X1").name == org.name and store.organisation("X1").profile == org.profile


def test_csv_text_guards_every_text_field():
    assert csv_text([["=1+1", 3.5, None, "a;b", "-2", "x; -3"]]) == "'=1+1,3.5,,\"a;b\",'-2,\"x; '-3\"\n"
