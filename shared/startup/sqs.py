"""The start of an SQS consumer: `shared.startup` (the package, run first: the collector paused),
then Powertools' SQS batch utility, which every invocation uses (`runtime.sqs_batch`), imported
before anything imports pydantic: with pydantic already loaded, Powertools' batch types module
imports and builds every model of its parser package (aws_lambda_powertools/utilities/batch/types.py),
which nothing here uses."""

import aws_lambda_powertools.utilities.batch  # noqa: F401 - imported for the order, see above
