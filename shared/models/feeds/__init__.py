"""The inbound event models, one module per source (`partner.<module>`), each imported on first use
through `shared.models.inbound` (its `INBOUND` registry and attributes)."""
