"""Public events: integration events as BI systems and our projections see them, on the wire."""
