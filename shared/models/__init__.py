"""The event contract: inbound and outbound event models (SPEC §4.1).

Import what you need from the submodules (`shared.models.inbound`, `shared.models.outbound`,
`shared.models.errors`, `shared.models.types`); this package imports nothing itself, so a handler
pays only for the models it uses.
"""
