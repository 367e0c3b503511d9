"""Imported first by every handler module (functions/*/app.py), for its side effect: the cyclic
garbage collector is paused while the handler's imports run.

Those imports (boto3's loaders, Powertools, pydantic, the models, the rulebooks) build ~50,000
long-lived objects and almost no garbage, yet at the default thresholds they trigger ~150
collections that traverse them again and again (≈ 15 ms of a cold start, measured by `make bench`).
`runtime.freeze_imports()`, each handler module's last statement, moves what was built to the
permanent generation (`gc.freeze`) and resumes the collector, so every invocation collects as usual.
"""

import gc

gc.disable()
