"""The outbound event models, grouped by what they announce, each module imported on first use
through `shared.models.outbound` (its `OUTBOUND` registry and attributes)."""
