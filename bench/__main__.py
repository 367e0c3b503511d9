"""`python -m bench [part ...]` (= `make bench`): run the suite, print the table, write docs/benchmarks.md.

Parts: requests scaling coldstart cpu stack (default: all; docs/benchmarks.md is written
only when all run). BENCH_FULL=1: 100,000 stored partners in the scaling run and a 10,000-event
refresh through the local stack. BENCH_STRICT=1: exit 1 when a target fails.
"""

from bench.suite import main

raise SystemExit(main())
