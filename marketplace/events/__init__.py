"""The published event contract: integration events as BI systems and our projections see them."""
