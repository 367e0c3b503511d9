"""Imported first by every handler module (functions/*/app.py), for its side effect: the cyclic
garbage collector is paused while the handler's imports run.

Those imports (Powertools, pydantic, the models, the rules) build ~50,000 long-lived objects and
almost no garbage, yet at the default thresholds they trigger ~150 collections that traverse them
again and again (10-15 ms of a cold start, measured with `gc.callbacks` on these machines).
`runtime.freeze_imports()`, each handler module's last statement, moves what was built to the
permanent generation (`gc.freeze`) and resumes the collector, so every invocation collects as usual.
A module runs once per process: on Lambda a process holds one handler; where one process imports
several (the local stack, the tests) only the first import is paused, which changes nothing else.
"""

import gc

gc.disable()
