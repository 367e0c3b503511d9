"""Fixtures of the infrastructure tests: the template, its translation, an offline AWS environment."""

from __future__ import annotations

import pytest

from devstack.template import DEFAULT_TEMPLATE, load_template, translate

from .aws_env import fake_aws_env


@pytest.fixture(scope="session")
def template_path():
    return DEFAULT_TEMPLATE


@pytest.fixture(scope="session")
def sam(template_path):
    return load_template(template_path)


@pytest.fixture(scope="session")
def cfn(sam):
    with pytest.MonkeyPatch.context() as mp:
        fake_aws_env(mp)
        return translate(sam)


@pytest.fixture(scope="session")
def resources(cfn):
    return cfn["Resources"]
