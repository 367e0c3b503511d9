"""The two ways the rules refuse a well-formed request; the handlers map both to a rejection."""

from __future__ import annotations


class RuleRejected(ValueError):
    """A well-formed request that the program's rules refuse; `field` names the input at fault."""

    def __init__(self, field: str, reason: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field, self.reason, self.message = field, reason, message


class NotYet(RuleRejected):
    """Refused only because a fact it depends on has not arrived yet (feeds arrive in any order):
    the caller retries it later, and rejects it with this reason when retrying is exhausted."""
