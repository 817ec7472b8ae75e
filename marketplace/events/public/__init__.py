"""The public events (what BI systems and our projections see on the wire): one module per topic.

Each topic module declares its payload models and one `PublicType` row per event; `registry.py`
derives every lookup from those rows. A public type evolves only compatibly within a version
(new optional fields); a breaking change is a new `.vN` type beside the old one. Domain events
without a row (the chart's establishment, access tokens) are internal and never leave the store.
"""
