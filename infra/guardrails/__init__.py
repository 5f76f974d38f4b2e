"""What holds every resource of the stack to the platform's rules, whatever feature added it: cdk-nag
(``nag``), the audit trail, WAF and request validation, encrypted log groups, alarms (``observability``), and the
least-privilege audit of the synthesized template (``policy_audit``, run by the tests)."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.core.data import DataPlane
from infra.guardrails.log_groups import cover_framework_functions
from infra.guardrails.nag import acknowledge_generic_findings
from infra.guardrails.observability import Observability
from infra.guardrails.trail import AuditTrail
from infra.guardrails.waf import protect_apis, protect_distributions


class Guardrails(Construct):
    """Add it last: it covers every bucket, table, function and API stage the stack holds by then."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        data: DataPlane,
        ocr: lambda_.Function,
        purge: lambda_.Function,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        self.observability = Observability(self, "Observability", stack=stack, data=data, ocr=ocr, purge=purge)
        self.trail = AuditTrail(self, "Trail", stack=stack, data=data)
        cover_framework_functions(stack)
        protect_apis(self, stack)
        protect_distributions(self, stack)
        acknowledge_generic_findings(stack)
