"""The pure core: every program rule as a function of recorded facts and an explicit date.

Nothing in this package imports boto3, reads the environment or the clock (tests prove it).
"""
