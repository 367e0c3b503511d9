"""Offline AWS environment for the infrastructure tests: fake credentials, nothing leaking in."""

from __future__ import annotations

import pytest

FAKE_AWS_ENV = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
# Anything that could point boto3 at a real account or a running local stack.
LEAKY_AWS_ENV = ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE")


def fake_aws_env(mp: pytest.MonkeyPatch) -> None:
    for name in LEAKY_AWS_ENV:
        mp.delenv(name, raising=False)
    mp.setenv("AWS_CONFIG_FILE", "/dev/null")
    mp.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    for name, value in FAKE_AWS_ENV.items():
        mp.setenv(name, value)
