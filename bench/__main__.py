"""`python -m bench [part ...]` (= `make bench`): run the suite, print the table, write docs/benchmarks.md.

Parts: coldstart cpu requests size scaling stack (default: all; docs/benchmarks.md is written
only when all run). By default 1,000 / 10,000 / 100,000 stored partners in the scaling run and a
10,000-event refresh through the local stack; BENCH_QUICK=1: 1,000 / 10,000 and 2,000 events. BENCH_STRICT=1: exit 1 when a target fails.
"""

from bench.suite import main

raise SystemExit(main())
