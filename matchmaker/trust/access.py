"""What each role may see: the programme as it looks to one viewer.

Facilitators and admins see everything. Everyone else sees a redacted copy
(a "world"): public streams with their owner; anonymised streams moved to a
pseudonymous owner such as "A food and bio-resource firm in Region
Midtjylland", with the quantity rounded and no free text, price or address;
private streams not at all. A firm also sees its own organisation and, once an
introduction is agreed by both sides, the counterpart's stream in full.
Pages, API, graphs and exports all read the world, so none can leak more.
Matching itself still uses every stream.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property
from itertools import islice

from matchmaker import reference
from matchmaker.matching.explain import Match, explain
from matchmaker.model import Organisation, Stream
from matchmaker.reference import REGIONS, postcodes
from matchmaker.trust.accounts import STAFF, User
from matchmaker.trust.permissions import may

# A postcode per region for pseudonymous owners: places them on the map without an address.
REGION_POSTCODE = reference.REGION_POSTCODE
# A pseudonym names the sector and the region only when at least this many firms of the
# programme share both (else only the region): with the public list of firms, a pseudonym
# must never narrow its owner to a handful of suspects.
K_ANONYMITY = 5
SECTOR_WORDS = {"food_bio": "food and bio-resource firm", "construction": "construction firm",
                "textile_lifestyle": "textile and lifestyle firm", "environmental_tech": "environmental technology firm",
                "other": "firm"}
LEGAL_FORMS = re.compile(r"\b(a/s|aps|i/s|ivs|p/s|k/s|a\.m\.b\.a\.?|amba|smba|f\.m\.b\.a\.?)\s*$", re.I)
PSEUDONYM_PREFIX = "anon-"
PRIVATE_FIELDS = ("employees", "turnover_eur", "balance_sheet_eur", "founded_year", "closed_financial_years",
                  "in_difficulty", "primary_production", "de_minimis_eur",
                  "contact_person", "contact_email", "contact_phone")  # contacts: trust.introductions.contacts_for


@dataclass(frozen=True)
class Viewer:
    role: str = "anonymous"          # admin, facilitator, firm or anonymous
    org_id: str | None = None        # a firm user's organisation
    username: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF

    @property
    def signed_in(self) -> bool:
        return self.role != "anonymous"

    def may(self, action: str) -> bool:
        """Whether this viewer's role may do `action` (see permissions.ACTIONS)."""
        return may(self.role, action)

    @classmethod
    def of(cls, user: User | None) -> Viewer:
        return cls(user.role, user.org_id, user.username) if user else cls()


ANONYMOUS = Viewer()


class ShownStreams(dict):
    """The streams a viewer sees, keyed by the ids the viewer is shown: an anonymised stream
    under its neutral id (never its stored id, which may name the owner, e.g. 'secret.o1').
    Iterating gives shown ids only; looking up also takes the stored id of an aliased stream,
    since the matcher and the store speak stored ids (see World.resolve for addresses a
    viewer typed)."""

    def __init__(self, items: dict[str, Stream], aliases: dict[str, str]):
        super().__init__(items)
        self.aliases = aliases  # stored id -> neutral id

    def __missing__(self, key: str) -> Stream:
        if key in self.aliases:
            return dict.__getitem__(self, self.aliases[key])
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, key) or key in self.aliases

    def get(self, key: str, default: Stream | None = None) -> Stream | None:  # type: ignore[override]
        try:
            return self[key]
        except KeyError:
            return default


@dataclass
class World:
    orgs: dict[str, Organisation]
    streams: dict[str, Stream]
    pairs: dict[str, list[tuple[str, float]]]
    approx: frozenset[str] = field(default_factory=frozenset)   # streams shown anonymised (stored and neutral ids)
    aliases: dict[str, str] = field(default_factory=dict)        # stored id -> neutral id of each anonymised stream

    @cached_property
    def _stored(self) -> dict[str, str]:
        return {alias: sid for sid, alias in self.aliases.items()}

    def shown_id(self, stream_id: str) -> str:
        """The id this viewer is shown for a stored stream id."""
        return self.aliases.get(stream_id, stream_id)

    def stored_id(self, shown: str) -> str:
        """The stored id behind an id this viewer was shown (the id itself when not an alias)."""
        return self._stored.get(shown, shown)

    def resolve(self, shown: str) -> str | None:
        """The stored id of the stream a viewer addressed (a page, an introduction request), or
        None when the viewer may not address it so: hidden, missing, or the stored id of a stream
        the viewer knows only under its neutral id (answered like a missing one)."""
        if shown in self._stored:
            return self._stored[shown]
        if shown in self.aliases or not dict.__contains__(self.streams, shown):
            return None
        return shown

    @property
    def listed_orgs(self) -> list[Organisation]:
        """The real organisations in view: pseudonymous owners stand for one stream each, not a firm."""
        return [o for o in self.orgs.values() if not o.id.startswith(PSEUDONYM_PREFIX)]

    @cached_property
    def names(self) -> dict[str, str]:
        return {oid: o.name for oid, o in self.orgs.items()}


def about(value: float | None) -> float | None:
    """The nearest step of 1-2-3-5 per decade (on a log scale): 8 -> 10, 317 -> 300, 4,400 -> 5,000."""
    if not value or value < 0:
        return value
    decade = 10 ** math.floor(math.log10(value))
    steps = [decade * k for k in (1, 2, 3, 5, 10)]
    best = min(steps, key=lambda step: abs(math.log(value / step)))
    return float(f"{best:.6g}")


def pseudonym(secret: bytes, stream_id: str) -> str:
    """A per-stream owner id that cannot be traced back to the organisation."""
    return PSEUDONYM_PREFIX + hmac.new(secret, stream_id.encode(), hashlib.sha256).hexdigest()[:12]


NEUTRAL_PREFIX = "A-"


def neutral_id(secret: bytes, stream_id: str) -> str:
    """The id an anonymised stream is shown under to anyone who may not see its owner: a keyed
    hash (the store's secret), so it neither names the owner nor can be traced back without the
    secret; the server resolves it through the viewer's world (World.resolve)."""
    digest = hmac.new(secret, b"stream-id:" + stream_id.encode(), hashlib.sha256).hexdigest()
    return NEUTRAL_PREFIX + digest[:10].upper()


# Words of a firm's name too common to point at it (scrubbed only as part of a longer run of the name).
GENERIC_WORDS = {"and", "og", "the", "of", "for", "til", "med", "i", "de", "der", "den", "det", "&"}
_SEP = r"[\s\-_./&,]*"


def _word_pattern(word: str) -> str:
    """A word of the name as it may be written: digits with or without spaces, dots or dashes
    ('4321', '4 321', '4.321', '4-321'), letters case-insensitively."""
    if word.isdigit():
        return r"[\s.,\-]?".join(re.escape(d) for d in word)
    return re.escape(word)


def scrub(text: str, owner: Organisation) -> str:
    """Remove the owner's name: whole, without legal form, any run of its words written with
    spaces, hyphens or nothing between them, and each distinctive single word (3+ letters or
    any number) in its number variants."""
    core = LEGAL_FORMS.sub("", owner.name).strip(" ,.")
    words = [w for w in re.split(r"[\s\-_./&,]+", core) if w]
    patterns = []
    for size in range(len(words), 0, -1):
        for i in range(len(words) - size + 1):
            run = words[i:i + size]
            if size == 1 and (run[0].lower() in GENERIC_WORDS or (len(run[0]) < 3 and not run[0].isdigit())):
                continue
            patterns.append(_SEP.join(_word_pattern(w) for w in run))
    patterns.insert(0, re.escape(owner.name))
    for pattern in patterns:
        text = re.sub(rf"(?<!\w){pattern}(?!\w)", "[the firm]", text, flags=re.I)
    return text


def _cells(orgs: dict[str, Organisation]) -> tuple[Counter, Counter]:
    """How many firms of the programme share each (sector, region), and each region."""
    by_both: Counter = Counter()
    by_region: Counter = Counter()
    places = postcodes()
    for o in orgs.values():
        if o.kind == "firm" and o.postcode in places:
            by_both[(o.sector, places[o.postcode].region)] += 1
            by_region[places[o.postcode].region] += 1
    return by_both, by_region


def _anonymised(s: Stream, owner: Organisation, secret: bytes,
                cells: tuple[Counter, Counter] | None = None) -> tuple[Stream, Organisation]:
    region = postcodes()[owner.postcode].region
    by_both = cells[0] if cells else Counter()
    # the sector only when enough firms share it in the region (see K_ANONYMITY)
    sector_shown = owner.kind != "firm" or by_both[(owner.sector, region)] >= K_ANONYMITY
    noun = (SECTOR_WORDS[owner.sector] if sector_shown else "firm") if owner.kind == "firm" \
        else owner.kind.replace("_", " ")
    article = "An" if noun[0] in "aeiou" else "A"
    pid = pseudonym(secret, s.id)
    org = Organisation(id=pid, name=f"{article} {noun} in {region}", kind=owner.kind,
                       sector=owner.sector if sector_shown else "other",
                       postcode=REGION_POSTCODE.get(region, owner.postcode), invented=owner.invented)
    title = scrub(s.title, owner)
    if s.quantity:
        for exact in {f"{s.quantity:g}", f"{s.quantity:,.0f}", f"{s.quantity:,.0f}".replace(",", ".")}:
            title = title.replace(exact, "…")
    shown = replace(s, id=neutral_id(secret, s.id), org_id=pid, title=title,
                    description="Details are shared once both sides agree to an introduction.",
                    quantity=about(s.quantity), price_dkk_per_unit=None, treatment_cost_dkk_per_unit=None)
    return shown, org


def world_for(viewer: Viewer, orgs: dict[str, Organisation], streams: dict[str, Stream],
              pairs: dict[str, list[tuple[str, float]]], secret: bytes,
              revealed: set[str] | frozenset[str] = frozenset()) -> World:
    """The programme as `viewer` may see it (`revealed`: streams agreed through introductions)."""
    if viewer.is_staff:
        return World(orgs, streams, pairs)
    shown_streams: dict[str, Stream] = {}
    shown_orgs: dict[str, Organisation] = {}
    approx: set[str] = set()
    cells = _cells(orgs)
    for s in streams.values():
        owner = orgs[s.org_id]
        if s.org_id == viewer.org_id or s.id in revealed or s.confidentiality == "public":
            shown_streams[s.id] = s
            shown_orgs[owner.id] = owner
        elif s.confidentiality == "anonymised":
            shown_streams[s.id], pseudo = _anonymised(s, owner, secret, cells)
            shown_orgs[pseudo.id] = pseudo
            approx.add(s.id)
    for o in orgs.values():
        if o.id == viewer.org_id or o.kind != "firm":
            shown_orgs[o.id] = o
    for oid, o in list(shown_orgs.items()):
        if oid != viewer.org_id and oid in orgs:
            shown_orgs[oid] = replace(o, **{f: None for f in PRIVATE_FIELDS})
    aliases = {sid: shown_streams[sid].id for sid in approx}
    show = aliases.get
    shown_pairs = {show(sid, sid): [(show(other, other), round(score, 2) if (sid in approx or other in approx) else score)
                                    for other, score in lst if other in shown_streams]
                   for sid, lst in pairs.items() if sid in shown_streams}
    keyed = ShownStreams({show(sid, sid): s for sid, s in shown_streams.items()}, aliases)
    return World(shown_orgs, keyed, shown_pairs, frozenset(approx) | frozenset(aliases.values()), aliases)


def match_for(m: dict, world: World, query: Stream | None = None) -> dict | None:
    """A match as the world's viewer may see it, or None if its counterpart is hidden."""
    sides = []
    for key in ("offer_id", "need_id"):
        sid = m[key]
        if query is not None and sid == query.id:
            sides.append(query)
        elif sid in world.streams:
            sides.append(world.streams[sid])
        else:
            return None
    rough = bool(world.approx & {m["offer_id"], m["need_id"]})
    shown = dict(m)
    # anonymised sides under their neutral ids (the query, the viewer's own text, keeps its id)
    for key in ("offer_id", "need_id"):
        if query is None or m[key] != query.id:
            shown[key] = world.shown_id(m[key])
    if rough:
        shown["score"] = round(m["score"], 2)
        # no distance at all: any figure computed from the real site, however rounded, locates
        # the owner when asked from enough places; the pseudonym's region is all that is shown
        shown["components"] = {k: round(v, 1) for k, v in m["components"].items() if k != "distance"}
        shown["km"] = None
        shown["shared_terms"] = []
    shown["sentence"] = explain(Match(**shown), sides[0], sides[1], world.names, world.approx)
    return shown


def shared_view(viewer: Viewer) -> str | None:
    """The view this viewer shares with others, so one cached copy serves them all: 'all' for
    staff (everything), 'public' for visitors; None for a firm, which also sees its own streams."""
    if viewer.is_staff:
        return "all"
    return "public" if not viewer.signed_in else None


def visible(found: Iterable[dict], world: World, query: Stream | None = None) -> Iterator[dict]:
    """The matches the world's viewer may see, as it may see them (see match_for), in order."""
    for m in found:
        shown = match_for(m, world, query)
        if shown is not None:
            yield shown


MAX_EXTRA = 500  # a search asks for at most this many more results than it shows


def top_visible(search: Callable[[int], Iterable[dict]], world: World, total: int, top: int,
                query: Stream | None = None) -> list[dict]:
    """The viewer's best `top` matches of a search over all `total` streams: `search(k)` is asked
    for `top` plus as many as the viewer may not see (at most MAX_EXTRA more), so hiding some
    still fills the list."""
    hidden = max(0, total - len(world.streams))
    return list(islice(visible(search(top + min(hidden, MAX_EXTRA)), world, query), top))


__all__ = ["ANONYMOUS", "REGIONS", "ShownStreams", "Viewer", "World", "about", "match_for", "neutral_id", "pseudonym", "scrub", "shared_view",
           "top_visible", "visible", "world_for"]
