"""`partnerctl`: the operator CLI of a running local stack (`make run`), SPEC §4.4.

    partnerctl send FILE... [--timeout S]      put events on the bus, wait until processed
    partnerctl tick DATE [--timeout S]         run the anniversary schedule for DATE, wait
    partnerctl status PARTNER_ID [--on DATE]   designations, scores, fees, specializations, gates
    partnerctl why PARTNER_ID [AREA]           the status in plain sentences, each citing its rule
    partnerctl at-risk [--on DATE] [--days N]  designations that would lapse at an anniversary within N days
    partnerctl dlq list [--json]               every message of every dead-letter queue
    partnerctl dlq redrive [--queue NAME]      move dead letters back to their source queue, wait
    partnerctl demo [--dir DIR]                replay events/demo/ with its ticks
    partnerctl reset [--yes]                   wipe the local state (.devstack/state.sqlite3) of a stopped stack

Where the stack is: ``$DEVSTACK_DIR/run.json`` (default ``<project>/.devstack/run.json``, written by
``python -m devstack.run``), or ``PARTNERCTL_API`` (the API URL; the rest is read from its
``/_local/info``) and optionally ``PARTNERCTL_MOTO_ENDPOINT``. Exit statuses: EXIT_STATUSES below;
errors are one line ``partnerctl: <reason>`` on stderr, with terminal control characters escaped.

This module parses the command line; the commands are in devstack.commands and devstack.dlq, the
connection to the stack in devstack.client, event files in devstack.eventfiles, output in
devstack.render.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import NoReturn

from devstack.client import EXIT_NOT_APPLIED, EXIT_STACK, EXIT_USAGE, CliError, Stack, fail
from devstack.commands import (
    PARTNER_ID,
    at_risk_cmd,
    demo,
    parse_day,
    reset_cmd,
    send,
    status_cmd,
    tick,
    why_cmd,
)
from devstack.demo import DEMO_DIR, TICKS_FILE, event_files, timeline
from devstack.dlq import dlq_list, dlq_redrive
from devstack.eventfiles import read_files
from devstack.render import err

DEFAULT_TIMEOUT = 120.0
MAX_DAYS = 3660  # at-risk looks ahead at most ten years (an anniversary is at most a year away)
EXIT_STATUSES = """exit status:
  0  everything asked was done and applied
  1  the stack is not running or not reachable, timed out, or refused the work
  2  usage error: bad command line, date (2000-01-01 .. 2100-12-31) or id; unreadable or invalid event file
  3  done, but not everything was applied: send: events rejected into a dead-letter queue or matching
     no rule of the bus; dlq redrive: messages that went back to a dead-letter queue
errors are one line `partnerctl: <reason>` on stderr"""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise CliError(f"{message[:300]} (see `{self.prog} --help`)", EXIT_USAGE)


def _timeout(value: str) -> float:
    try:
        t = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid seconds {value!r}") from None
    if not 0 < t <= 3600:
        raise argparse.ArgumentTypeError("must be between 0 and 3600 seconds")
    return t


def _days(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number of days {value[:40]!r}") from None
    if not 0 <= n <= MAX_DAYS:
        raise argparse.ArgumentTypeError(f"must be between 0 and {MAX_DAYS} days")
    return n


def parser() -> Parser:
    p = Parser(prog="partnerctl", description="Operate the local Solutions Partner engine (`make run`).",
               epilog=EXIT_STATUSES, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", metavar="{send,tick,status,why,at-risk,dlq,demo,reset}", required=True, parser_class=Parser)
    s = sub.add_parser("send", help="put events on the bus and wait until they are processed")
    s.add_argument("files", nargs="+", metavar="FILE", help="one JSON event, a JSON array, or JSON Lines")
    s.add_argument("--timeout", type=_timeout, default=DEFAULT_TIMEOUT, help="seconds to wait (default 120)")
    t = sub.add_parser("tick", help="run the daily anniversary schedule for DATE and wait")
    t.add_argument("date", metavar="DATE", help="YYYY-MM-DD")
    t.add_argument("--timeout", type=_timeout, default=DEFAULT_TIMEOUT, help="seconds to wait (default 120)")
    st = sub.add_parser("status", help="a partner's designations, scores, fees, specializations and gates")
    st.add_argument("partner", metavar="PARTNER_ID")
    st.add_argument("--on", metavar="DATE", help="as-of date (default today)")
    w = sub.add_parser("why", help="explain a partner's status in plain sentences citing the rules")
    w.add_argument("partner", metavar="PARTNER_ID")
    w.add_argument("area", metavar="AREA", nargs="?", help="one solution area, e.g. SECURITY")
    ar = sub.add_parser("at-risk", help="designations that would lapse if the coming anniversary were today")
    ar.add_argument("--days", type=_days, default=60, help=f"look-ahead in days, 0 to {MAX_DAYS} (default 60)")
    ar.add_argument("--on", metavar="DATE", help="as-of date (default today)")
    d = sub.add_parser("dlq", help="dead-letter queues")
    dsub = d.add_subparsers(dest="dlq_command", metavar="{list,redrive}", required=True, parser_class=Parser)
    ls = dsub.add_parser("list", help="every message of every dead-letter queue: queue, message id, partner id, "
                                      "detail type, event id, reason")
    ls.add_argument("--json", action="store_true", help="one JSON document instead of the table (for scripts)")
    r = dsub.add_parser("redrive", help="move dead letters back to their source queue and wait")
    r.add_argument("--queue", metavar="NAME", help="one DLQ (or its source queue); default all")
    r.add_argument("--timeout", type=_timeout, default=DEFAULT_TIMEOUT, help="seconds to wait (default 120)")
    z = sub.add_parser("reset", help="wipe the local state of a stopped stack (partners, dead letters, daily runs)")
    z.add_argument("--yes", action="store_true", help="do not ask for confirmation (for scripts)")
    m = sub.add_parser("demo", help="replay events/demo/ (files in order, with the days of ticks.json)")
    m.add_argument("--dir", metavar="DIR", help="scenario directory (default events/demo)")
    m.add_argument("--timeout", type=_timeout, default=DEFAULT_TIMEOUT, help="seconds to wait per step (default 120)")
    return p


def check_scenario(root: Path) -> None:
    """A demo directory's files and days, with send's and tick's checks, before the stack is asked."""
    if not root.is_dir():
        fail(f"--dir {root}: no such directory", EXIT_USAGE)
    read_files([str(p) for p in event_files(root)])
    try:
        steps = timeline(root)
    except (OSError, ValueError, RecursionError) as exc:
        fail(f"--dir {root}: {str(exc)[:300]}", EXIT_USAGE)
    for step in steps:
        if step[0] == "tick":
            parse_day(str(step[1]), f"{root / TICKS_FILE}: day")


def run(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if getattr(args, "on", None) is not None:  # bad input is reported before the stack is even asked
        parse_day(args.on, "--on")
    if getattr(args, "partner", None) is not None and not PARTNER_ID.fullmatch(args.partner):
        fail(f"PARTNER_ID must match {PARTNER_ID.pattern}, got {args.partner!r}", EXIT_USAGE)
    if args.command == "send":
        entries = read_files(args.files)  # bad input is reported before the stack is even asked
        result = send(Stack(), args.files, args.timeout, entries=entries)
        missed = [f"{n} {what}" for n, what in ((result["rejected"], "rejected into a dead-letter queue "
                                                 "(partnerctl dlq list)"),
                                                (result["unrouted"], f"matched no rule (the bus routes {result['routes']})"))
                  if n]
        if missed:
            fail("not every event was applied: " + "; ".join(missed), EXIT_NOT_APPLIED)
    elif args.command == "tick":
        parse_day(args.date)
        tick(Stack(), args.date, args.timeout)
    elif args.command == "status":
        status_cmd(Stack(), args.partner, args.on)
    elif args.command == "why":
        why_cmd(Stack(), args.partner, args.area)
    elif args.command == "at-risk":
        at_risk_cmd(Stack(), args.on, args.days)
    elif args.command == "dlq" and args.dlq_command == "list":
        dlq_list(Stack(), as_json=args.json)
    elif args.command == "dlq" and args.dlq_command == "redrive":
        again = dlq_redrive(Stack(), args.queue, args.timeout)
        if again:
            fail(f"{again} redriven message(s) ended in a dead-letter queue again (partnerctl dlq list)",
                 EXIT_NOT_APPLIED)
    elif args.command == "reset":
        reset_cmd(args.yes)
    elif args.command == "demo":
        check_scenario(Path(args.dir) if args.dir else DEMO_DIR)
        demo(Stack(), args.dir, args.timeout)
    return 0


def main(argv: list[str] | None = None) -> int:
    try:
        return run(argv)
    except CliError as exc:
        err(f"partnerctl: {exc}")
        return exc.code
    except KeyboardInterrupt:
        err("partnerctl: interrupted")
        return 130
    except EOFError:  # a confirmation prompt whose input ended
        err("partnerctl: no answer (the input ended); nothing done")
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_STACK


if __name__ == "__main__":
    sys.exit(main())
