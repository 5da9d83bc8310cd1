"""Matchmaker: partners for circular value chains.

The domain package: organisations and their resource streams, import and
export, matching, graphs, chains and programme rules. It never imports the
web layer.
"""

__version__ = "0.1.0"
