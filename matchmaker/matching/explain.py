"""A scored offer-need pair and the sentence that explains it: light enough for the
trust layer to import without the matcher and scikit-learn."""

from __future__ import annotations

from dataclasses import dataclass, field

from matchmaker.i18n import Code, Message, Num, join, msg
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


def _amount(x: float) -> Num:
    """A quantity as the text gives it: up to six significant figures, no trailing zeros."""
    plain = f"{x:.6g}"
    return Num(x, len(plain.split(".")[1]) if "." in plain and "e" not in plain else 0)


def explain(m: Match, offer: Stream, need: Stream, names: dict[str, str],
            approx: frozenset[str] | set[str] = frozenset()) -> Message:
    """One readable sentence, English as text and translated where a page shows it. `names`
    maps organisation ids to what the reader may see (an unknown owner is the reader: 'your');
    streams in `approx` get rounded figures."""
    who_o, who_n = names.get(offer.org_id), names.get(need.org_id)
    rough = bool(approx & {offer.id, need.id})
    titles = {"offer": offer.title, "need": need.title}
    if who_o and who_n:
        head = msg("{a}'s '{offer}' could supply {b}'s '{need}'", a=who_o, b=who_n, **titles)
    elif who_n:
        head = msg("Your '{offer}' could supply {b}'s '{need}'", b=who_n, **titles)
    elif who_o:
        head = msg("{a}'s '{offer}' could supply your '{need}'", a=who_o, **titles)
    else:
        head = msg("Your '{offer}' could supply your '{need}'", **titles)
    parts: list[Message] = [head]
    if m.shared_concepts:
        parts.append(msg("both concern {what}", what=", ".join(m.shared_concepts[:3])))
    elif m.uses:
        parts.append(msg("a typical use: {use}", use=m.uses[0]))
    elif m.shared_terms:
        parts.append(msg("shared terms: {terms}", terms=", ".join(m.shared_terms[:3])))
    if m.km is not None:
        parts.append(msg("about {km} km apart", km=Num(m.km, 0)) if rough else msg("{km} km apart", km=Num(m.km, 0)))
    q_o, u_o, read_o = stream_amount(offer)   # structured, else what the text states
    q_n, u_n, read_n = stream_amount(need)
    if q_o and q_n and u_o == u_n:
        amounts = {"offered": _amount(q_o), "unit": Code(u_o), "needed": _amount(q_n)}
        parts.append(msg("about {offered} {unit} offered for about {needed} needed", **amounts) if rough else
                     msg("{offered} {unit} offered for {needed} needed", **amounts))
        if not rough:   # say how a figure was read from the text, with any assumption
            if read_o:
                parts.append(msg("offer read from the text, {note}", note=read_o.note))
            if read_n:
                parts.append(msg("need read from the text, {note}", note=read_n.note))
    if m.level_from and m.components["uplift"] > 0:
        parts.append(msg("moves the stream from {a} to {b}", a=Code(m.level_from), b=Code(m.level_to)))
    if m.hazardous:
        parts.append(msg("CAUTION: hazardous waste code"))
    return join([join(parts), "."], "")
