"""What happens to a stateful resource when CloudFormation stops managing it.

Tables, keys, buckets, log groups and the user pool hold the department's records: they are kept when the
stack is deleted or a change would replace them. But a first deploy that fails must leave nothing behind that
stops the second ("... already exists" for the tables' fixed names): ``RETAIN_ON_UPDATE_OR_DELETE`` is
CloudFormation's ``DeletionPolicy: RetainExceptOnCreate``, which deletes a resource that the failed operation
itself created when it rolls back (AWS CloudFormation User Guide, DeletionPolicy attribute; announced
2023-07-31, "RetainExceptOnCreate"). tests/infra/test_aws_rules.py holds every resource to it.
"""

from __future__ import annotations

import aws_cdk as cdk

KEEP = cdk.RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE
