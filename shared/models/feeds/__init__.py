"""The inbound event models, one module per source (`partner.<module>`), each imported the first
time one of its models is looked up in `shared.models.inbound.INBOUND`."""
