"""Build infrastructure from ``template.yaml``: the one way tests and the local stack get resources.

moto ignores the SAM transform and cannot run Lambda code, API Gateway from a Body or schedules, so
the template is translated offline first and reduced to what moto hosts. Pipeline::

    load_template()      SAM YAML (short tags !Ref/!GetAtt/!Sub ...) -> dict       (devstack.sam)
    translate()          SAM -> plain CloudFormation, offline, with aws-sam-translator (devstack.sam)
    local_resources()    drop what moto cannot host (Lambda, API Gateway, Scheduler, ...), say why
                                                                                      (devstack.reduce)
    deploy_local()       create_stack on moto (in-process ``mock_aws`` or a moto server) and
                         describe the result as a :class:`LocalStack`                  (devstack.deploy)

This module is the pipeline's public face: callers import its steps from here.
"""

from __future__ import annotations

from devstack.deploy import LocalStack, deploy_local
from devstack.intrinsics import refs
from devstack.reduce import local_resources
from devstack.sam import CODE_PLACEHOLDER, DEFAULT_TEMPLATE, function_settings, load_template, translate

__all__ = [
    "CODE_PLACEHOLDER",
    "DEFAULT_TEMPLATE",
    "LocalStack",
    "deploy_local",
    "function_settings",
    "load_template",
    "local_resources",
    "refs",
    "translate",
]
