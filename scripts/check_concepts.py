#!/usr/bin/env python3
"""Validate the bilingual concept vocabulary in ``data/concepts.csv``.

The file has one row per concept with the columns
``concept,material,terms_en,terms_da,ewc,uses``; list-valued cells are
separated by ``|``.

Errors (exit status 1):

* the header is not exactly the expected one;
* a concept id is missing, not snake_case or not unique;
* a material is not one of ``matchmaker.model.MATERIALS``;
* a term list is empty, or holds an empty, padded or upper-case term, or the
  same term twice;
* one term is listed under two different concepts within the same language
  (each conflict is printed);
* a ``uses`` target is not a concept row, is the concept itself, or repeats;
* an EWC entry is neither a 6-digit code nor a 4-digit subchapter of the EWC
  list.

Warnings (printed, exit status 0 unless ``--strict``): terms of three or
fewer characters, and a term that is Danish for one concept and English for
another (the tagger keeps only the first concept for a term).

The tagger in ``matchmaker/concepts.py`` matches terms of ``COMPOUND_MIN``
(5) or more characters as plain substrings, in either language, so that
Danish compounds are found ('kaffegrums' in 'brugt kaffegrums'). A longer
term wins where two overlap, but an unrelated word can still hide a term
('valle' in 'intervaller'). ``--wordlist PATH`` (repeatable, one word a
line, e.g. ``/usr/share/dict/danish`` from the ``wdanish`` package) lists
the words that contain a term somewhere other than at their start and are
not terms themselves: candidates for such false hits, to read by eye.

Usage::

    python3 scripts/check_concepts.py [--concepts PATH] [--ewc PATH]
                                      [--strict] [--wordlist PATH ...]
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))  # the domain, also when the package is not installed
from matchmaker.model import MATERIALS  # noqa: E402  (after the path set-up above)

DEFAULT_CONCEPTS = REPO_ROOT / "data" / "concepts.csv"
EWC_CANDIDATES = (
    REPO_ROOT / "data" / "ewc.csv",
    REPO_ROOT / "data" / "reference" / "ewc.csv",
    REPO_ROOT.parent / "shared" / "data" / "ewc.csv",
    Path("/work/shared/data/ewc.csv"),
)
HEADER = ["concept", "material", "terms_en", "terms_da", "ewc", "uses"]
LANGS = ("terms_en", "terms_da")
CONCEPT_RE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
EWC_CODE_RE = re.compile(r"^\d{6}$")
EWC_PREFIX_RE = re.compile(r"^\d{4}$")
SHORT_TERM = 3  # terms of this many characters or fewer are risky
COMPOUND_MIN = 5  # as in matchmaker/concepts.py: longer terms match as substrings
HOST_EXAMPLES = 8  # words shown per term by --wordlist


def split_list(cell: str) -> list[str]:
    """Split a ``|``-separated cell; an empty cell gives an empty list."""
    return cell.split("|") if cell != "" else []


def find_ewc_file(explicit: Path | None) -> Path:
    """Return the EWC list to check against (explicit path or first found)."""
    if explicit is not None:
        return explicit
    for candidate in EWC_CANDIDATES:
        if candidate.is_file():
            return candidate
    tried = ", ".join(str(p) for p in EWC_CANDIDATES)
    raise FileNotFoundError(f"no EWC list found; tried {tried}")


def load_ewc(path: Path) -> tuple[set[str], set[str]]:
    """Return the set of 6-digit codes and the set of 4-digit subchapters."""
    codes: set[str] = set()
    subchapters: set[str] = set()
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            code = row["code"].strip()
            codes.add(code)
            subchapters.add(row.get("subchapter", "").strip() or code[:4])
    return codes, subchapters


def term_length(term: str) -> int:
    """Number of letters and digits in a term (spaces and hyphens ignored)."""
    return sum(ch.isalnum() for ch in term)


def check(
    rows: list[dict[str, str]], codes: set[str], subchapters: set[str]
) -> tuple[list[str], list[str]]:
    """Check parsed rows; return (errors, warnings)."""
    errors: list[str] = []
    warnings: list[str] = []

    id_counts = Counter(row["concept"] for row in rows)
    ids = set(id_counts)
    for concept, count in sorted(id_counts.items()):
        if count > 1:
            errors.append(f"duplicate concept id {concept!r} ({count} rows)")

    # term -> concepts that list it, per language
    owners: dict[str, dict[str, list[str]]] = {
        lang: defaultdict(list) for lang in LANGS
    }

    for line_no, row in enumerate(rows, start=2):
        concept = row["concept"]
        where = f"line {line_no} ({concept or '?'})"
        if not CONCEPT_RE.match(concept):
            errors.append(f"{where}: concept id {concept!r} is not snake_case")
        if row["material"] not in MATERIALS:
            errors.append(
                f"{where}: unknown material {row['material']!r}; "
                f"known: {', '.join(sorted(MATERIALS))}"
            )

        for lang in LANGS:
            terms = split_list(row[lang])
            if not terms:
                errors.append(f"{where}: {lang} is empty")
            seen: set[str] = set()
            for term in terms:
                if term == "":
                    errors.append(f"{where}: {lang} has an empty term (stray '|')")
                    continue
                if term != term.strip() or "  " in term:
                    errors.append(f"{where}: {lang} term {term!r} has stray spaces")
                if term != term.lower():
                    errors.append(f"{where}: {lang} term {term!r} is not lower-case")
                if term in seen:
                    errors.append(f"{where}: {lang} term {term!r} is listed twice")
                    continue
                seen.add(term)
                owners[lang][term].append(concept)

        uses = split_list(row["uses"])
        for target in uses:
            if target not in ids:
                errors.append(f"{where}: uses target {target!r} is not a concept")
            elif target == concept:
                errors.append(f"{where}: uses itself")
        for target, count in Counter(uses).items():
            if count > 1:
                errors.append(f"{where}: uses target {target!r} repeated")

        for code in split_list(row["ewc"]):
            if EWC_CODE_RE.match(code):
                if code not in codes:
                    errors.append(f"{where}: EWC code {code} is not in the EWC list")
            elif EWC_PREFIX_RE.match(code):
                if code not in subchapters:
                    errors.append(
                        f"{where}: EWC subchapter {code} is not in the EWC list"
                    )
            else:
                errors.append(f"{where}: EWC entry {code!r} is not 6 or 4 digits")

    for lang in LANGS:
        for term, concepts in sorted(owners[lang].items()):
            if len(set(concepts)) > 1:
                errors.append(
                    f"{lang} term {term!r} is listed under several concepts: "
                    f"{', '.join(sorted(set(concepts)))}"
                )

    for lang in LANGS:
        short = sorted(t for t in owners[lang] if term_length(t) <= SHORT_TERM)
        if short:
            warnings.append(
                f"{len(short)} short {lang} terms (<= {SHORT_TERM} chars): {', '.join(short)}"
            )

    for term in sorted(set(owners["terms_da"]) & set(owners["terms_en"])):
        da_owner = set(owners["terms_da"][term])
        en_owner = set(owners["terms_en"][term])
        if da_owner != en_owner:
            warnings.append(
                f"term {term!r} is Danish for {', '.join(sorted(da_owner))} "
                f"but English for {', '.join(sorted(en_owner))}"
            )

    return errors, warnings


def hidden_hosts(rows: list[dict[str, str]], words: set[str]) -> list[str]:
    """Words that contain a long term other than at their start (one line a term).

    Such a word is tagged with the term's concept by the substring tagger
    unless it is a term itself; each line gives the count and a few examples.
    """
    terms: dict[str, str] = {}
    for row in rows:
        for lang in LANGS:
            for term in split_list(row[lang]):
                terms.setdefault(term, row["concept"])
    lines = []
    for term in sorted(terms):
        if len(term) < COMPOUND_MIN:
            continue
        hosts = sorted(
            w for w in words if term in w and not w.startswith(term) and w not in terms
        )
        if hosts:
            shown = ", ".join(hosts[:HOST_EXAMPLES])
            more = (
                f" (+{len(hosts) - HOST_EXAMPLES})"
                if len(hosts) > HOST_EXAMPLES
                else ""
            )
            lines.append(f"{term!r} ({terms[term]}) in {shown}{more}")
    return lines


def summarise(rows: list[dict[str, str]]) -> list[str]:
    """Counts for the report: concepts, terms, materials, EWC and uses."""
    n_en = sum(len(split_list(r["terms_en"])) for r in rows)
    n_da = sum(len(split_list(r["terms_da"])) for r in rows)
    n_ewc = sum(len(split_list(r["ewc"])) for r in rows)
    n_uses = sum(len(split_list(r["uses"])) for r in rows)
    with_ewc = sum(1 for r in rows if r["ewc"])
    with_uses = sum(1 for r in rows if r["uses"])
    targets = {t for r in rows for t in split_list(r["uses"])}
    materials = Counter(r["material"] for r in rows)
    lines = [
        f"concepts: {len(rows)}",
        f"terms: {n_en} English, {n_da} Danish, {n_en + n_da} in all",
        f"EWC entries: {n_ewc} on {with_ewc} concepts",
        f"uses edges: {n_uses} from {with_uses} concepts to {len(targets)} targets",
        "materials: " + ", ".join(f"{m} {n}" for m, n in sorted(materials.items())),
    ]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--concepts", type=Path, default=DEFAULT_CONCEPTS)
    parser.add_argument("--ewc", type=Path, default=None, help="EWC list (ewc.csv)")
    parser.add_argument(
        "--strict", action="store_true", help="treat warnings as errors"
    )
    parser.add_argument(
        "--wordlist",
        type=Path,
        action="append",
        default=[],
        help="word list (one word a line) to search for words hiding a term",
    )
    args = parser.parse_args(argv)

    ewc_path = find_ewc_file(args.ewc)
    codes, subchapters = load_ewc(ewc_path)

    with args.concepts.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        if header != HEADER:
            print(f"ERROR: header is {header}, expected {HEADER}")
            return 1
        rows: list[dict[str, str]] = []
        for line_no, values in enumerate(reader, start=2):
            if len(values) != len(HEADER):
                print(
                    f"ERROR: line {line_no} has {len(values)} fields, expected {len(HEADER)}"
                )
                return 1
            rows.append(dict(zip(HEADER, values)))

    errors, warnings = check(rows, codes, subchapters)

    print(f"checked {args.concepts} against {ewc_path}")
    for line in summarise(rows):
        print(line)
    for message in warnings:
        print(f"WARNING: {message}")
    if args.wordlist:
        words: set[str] = set()
        for path in args.wordlist:
            with path.open(encoding="utf-8", errors="replace") as handle:
                words.update(line.strip().lower() for line in handle if line.strip())
        hosts = hidden_hosts(rows, words)
        print(f"terms found inside other words of the word list: {len(hosts)}")
        for line in hosts:
            print(f"  {line}")
    for message in errors:
        print(f"ERROR: {message}")
    failed = bool(errors) or (args.strict and bool(warnings))
    print(
        f"{len(errors)} errors, {len(warnings)} warnings: {'FAILED' if failed else 'OK'}"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
