"""The outbound event models, grouped by what they announce, each module imported the first time
one of its models is looked up in `shared.models.outbound.OUTBOUND`."""
