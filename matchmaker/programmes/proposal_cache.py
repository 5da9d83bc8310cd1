"""Proposals kept from one update to the next: only chains that are new, or whose links or
members' records changed, are completed and checked again; the ranking is redone over all
(it compares each chain's impact with the best one's), exactly as `proposals.propose` does.

    cache = ProposalCache(prog)
    found = cache.propose(state.economic, orgs, streams)   # state: chains.incremental.ChainState
    ... update_state(state, changes) ...
    found = cache.propose(state.economic, orgs, streams)   # reuses every unchanged chain's evaluation
"""

from __future__ import annotations

from dataclasses import replace

from matchmaker.chains.discovery import KNOWLEDGE_KINDS, Chain
from matchmaker.chains.incremental import ChainSet
from matchmaker.model import Organisation, Stream
from matchmaker.programmes import rules
from matchmaker.programmes.proposals import Proposal, complete, rank


def _inputs(chain: Chain, orgs: dict[str, Organisation], streams: dict[str, Stream]) -> tuple:
    """Everything a discovered chain's evaluation reads besides the programme and the knowledge
    organisations: its links with their scores, its members' and its links' streams' records."""
    return (tuple((l.offer_id, l.need_id, l.from_org, l.to_org, l.score) for l in chain.links),
            tuple(orgs.get(m) for m in chain.members),
            tuple(streams.get(sid) for l in chain.links for sid in (l.offer_id, l.need_id)))


class ProposalCache:
    """One programme's evaluated chains, by chain id, with the inputs they were evaluated from."""

    def __init__(self, prog: rules.Programme | None, candidates: int = 3000):
        self.prog = prog
        self.candidates = candidates
        self._done: dict[str, tuple[tuple, Proposal]] = {}
        self._knowledge: list[Organisation] | None = None
        self.evaluated = 0  # chains completed and checked by the last call (the rest were reused)

    def propose(self, chains: ChainSet, orgs: dict[str, Organisation], streams: dict[str, Stream]) -> list[Proposal]:
        """What `propose(F, orgs, streams, prog, max_firms, min_score, candidates)` returns, where
        `chains` is the ChainSet on F's economic view built with the same max_firms and min_score."""
        knowledge = [o for o in orgs.values() if o.kind in KNOWLEDGE_KINDS]
        if knowledge != self._knowledge:  # every chain's suggested knowledge partners may move
            self._done.clear()
            self._knowledge = knowledge
        done: dict[str, tuple[tuple, Proposal]] = {}
        proposals = []
        self.evaluated = 0
        for chain in chains.found(self.candidates):
            key = _inputs(chain, orgs, streams)
            held = self._done.get(chain.id)
            if held is None or held[0] != key:
                held = (key, complete(replace(chain), orgs, streams, self.prog))
                self.evaluated += 1
            done[chain.id] = held
            proposals.append(replace(held[1]))  # a copy: rank() sets its score, readers keep theirs
        self._done = done
        return rank(proposals)
