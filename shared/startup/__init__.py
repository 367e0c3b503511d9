"""What a handler module imports first, for its side effects: the import-order rules of a cold start,
kept here so that a handler states them in one line. `import shared.startup` for the partner API and
the outbox publisher, `import shared.startup.sqs` for the SQS consumers, as the module's first
import; tests/unit/test_cold_start.py checks both rules for every handler.

1. The cyclic garbage collector is paused while the handler's imports run. Those imports
   (Powertools, pydantic, the models, the rules) build tens of thousands of long-lived objects and
   almost no garbage, yet at the default thresholds they trigger collection after collection that
   traverses them again and again. `runtime.freeze_imports()`, each handler module's last
   statement, moves what was built to the permanent generation (`gc.freeze`) and resumes the
   collector, so every invocation collects as usual. A module runs once per process: on Lambda a
   process holds one handler; where one process imports several (the local stack, the tests) only
   the first import is paused, which changes nothing else.
2. Powertools' SQS batch utility is imported before pydantic (`shared.startup.sqs`).

docs/decisions.md ("Cold start") has the figures.
"""

import gc

gc.disable()
