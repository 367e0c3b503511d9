"""The partner capability score: rulebooks (rulebook), points (score), the score history of a
partner document (history), what is still missing (guidance) and display rounding (display)."""
