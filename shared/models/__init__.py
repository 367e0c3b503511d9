"""The event contract (SPEC §4.1). Each name has one home; this package imports nothing itself, so
a handler pays only for what it imports:

- `inbound`: `INBOUND` (source, detail-type) -> model, `parse_inbound`; the models in `feeds/`
- `outbound`: `OUTBOUND` detail-type -> model, `to_entry`, `parse_outbound`; the models in `announcements/`
- `bases`: the base models both directions build on; `envelopes`: typed EventBridge envelopes
- `parsing`: JSON loading and size guards; `errors`: `InputError`; `names`: `SOURCE` (no pydantic)
- `types`: the constrained field types
"""
