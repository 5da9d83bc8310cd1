"""A scored offer-need pair and the sentence that explains it: light enough for the
trust layer to import without the matcher and scikit-learn."""

from __future__ import annotations

from dataclasses import dataclass, field

from matchmaker.model import HIERARCHY_NAMES, Stream
from matchmaker.quantities import stream_amount


@dataclass
class Match:
    offer_id: str
    need_id: str
    score: float
    components: dict[str, float]
    km: float | None
    hazardous: bool
    shared_concepts: list[str] = field(default_factory=list)
    uses: list[str] = field(default_factory=list)
    shared_terms: list[str] = field(default_factory=list)
    level_from: str | None = None
    level_to: str = HIERARCHY_NAMES[3]
    sentence: str = ""

    def other(self, stream_id: str) -> str:
        return self.need_id if stream_id == self.offer_id else self.offer_id

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def explain(m: Match, offer: Stream, need: Stream, names: dict[str, str],
            approx: frozenset[str] | set[str] = frozenset()) -> str:
    """One readable sentence. `names` maps organisation ids to what the reader may see (an
    unknown owner is the reader: 'your'); streams in `approx` get rounded figures."""
    who_o, who_n = names.get(offer.org_id), names.get(need.org_id)
    owner_o = f"{who_o}'s" if who_o else "Your"
    owner_n = f"{who_n}'s" if who_n else "your"
    rough = bool(approx & {offer.id, need.id})
    parts = [f"{owner_o} '{offer.title}' could supply {owner_n} '{need.title}'"]
    if m.shared_concepts:
        parts.append(f"both concern {', '.join(m.shared_concepts[:3])}")
    elif m.uses:
        parts.append(f"a typical use: {m.uses[0]}")
    elif m.shared_terms:
        parts.append(f"shared terms: {', '.join(m.shared_terms[:3])}")
    if m.km is not None:
        parts.append(f"about {m.km:.0f} km apart" if rough else f"{m.km:.0f} km apart")
    q_o, u_o, read_o = stream_amount(offer)   # structured, else what the text states
    q_n, u_n, read_n = stream_amount(need)
    if q_o and q_n and u_o == u_n:
        about = "about " if rough else ""
        parts.append(f"{about}{q_o:,.6g} {u_o} offered for {about}{q_n:,.6g} needed")
        if not rough:   # say how a figure was read from the text, with any assumption
            parts.extend(f"{side} read from the text, {q.note}" for side, q in (("offer", read_o), ("need", read_n)) if q)
    if m.level_from and m.components["uplift"] > 0:
        parts.append(f"moves the stream from {m.level_from} to {m.level_to}")
    if m.hazardous:
        parts.append("CAUTION: hazardous waste code")
    return "; ".join(parts) + "."
