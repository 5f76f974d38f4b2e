"""One Lambda function per ``schema.FunctionSpec``, with the environment every function shares.

What a function may touch is granted by the feature that owns it (infra/features); here only what every
function needs: the data key (tables, images and records are encrypted with it) and its log group.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import jsii
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct, IValidation

from alpr import schema
from alpr.config import Settings
from alpr.schema import Env
from infra.core.bundling import REPO_ROOT, light_function_code
from infra.core.data import QUEUE_RETENTION, DataPlane, camel
from infra.guardrails.log_groups import encrypted_log_group

DOCKER_EXCLUDES = [
    ".git",
    ".venv",
    "cdk.out",
    "node_modules",
    "tests",
    ".alpr-local",
    # The image unpacks the bundled models itself (functions/ocr/Dockerfile).
    "alpr/ocr/models/.unpacked",
    "**/__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".benchmarks",
    "training",
    "*.egg-info",
]


# ``-c reserve_concurrency=false`` skips the reservations of ``FunctionSpec.reserved_concurrency``: a new
# account's Lambda concurrency quota can be as low as 10, and AWS refuses a reservation that leaves fewer than 100
# unreserved. Ask for a higher quota (Service Quotas, "Concurrent executions") rather than leave this off.
RESERVE_CONCURRENCY_CONTEXT = "reserve_concurrency"


class Functions(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, data: DataPlane) -> None:
        super().__init__(scope, construct_id)
        self._prefix = data.prefix
        # Every function's settings (schema.EVERY_FUNCTION_ENV), named by the settings model.
        environment = {
            **Settings(
                prefix=data.prefix,
                images_bucket=data.images.bucket_name,
                alerts_topic_arn=data.alerts_topic.topic_arn,
                time_zone=schema.DEPARTMENT_TIME_ZONE,
            ).environment(),
            Env.POWERTOOLS_METRICS_NAMESPACE.value: "ALPR",
            Env.POWERTOOLS_LOG_LEVEL.value: "INFO",
        }
        self._reserve = str(self.node.try_get_context(RESERVE_CONCURRENCY_CONTEXT)).lower() != "false"
        light_code = light_function_code()
        self._functions: dict[str, lambda_.Function] = {}
        self._provided: set[tuple[str, Env]] = set()
        for spec in schema.FUNCTIONS:
            self._functions[spec.name] = self._function(spec, environment, light_code, data)
        self.provide(Settings(purge_function=self.physical_name(schema.PURGE_FUNCTION)))
        self.node.add_validation(_EveryNeedProvided(self._provided))
        # The queue key needs no blanket grant: the event sources, the stream's on-failure queue and the
        # topic grant their consumers and publishers exactly the key use they need.
        for function in self._functions.values():
            data.data_key.grant_encrypt_decrypt(function)

    def provide(self, values: Settings) -> None:
        """Sets each of the values' variables on exactly the functions declared to need it
        (``schema.FunctionSpec.needs``): the features that create a resource never choose who reads it."""
        for variable, value in values.environment().items():
            needing = [spec for spec in schema.FUNCTIONS if variable in spec.needs]
            if not needing:
                raise ValueError(f"no function is declared to need {variable} (schema.FunctionSpec.needs)")
            for spec in needing:
                self._functions[spec.name].add_environment(variable, value)
                self._provided.add((spec.name, Env(variable)))

    def of(self, spec: schema.FunctionSpec) -> lambda_.Function:
        return self._functions[spec.name]

    @property
    def all(self) -> list[lambda_.Function]:
        return list(self._functions.values())

    def physical_name(self, spec: schema.FunctionSpec) -> str:
        return f"{self._prefix}-{spec.name}"

    def _function(
        self, spec: schema.FunctionSpec, environment: dict[str, str], light_code: Any, data: DataPlane
    ) -> lambda_.Function:
        # Its own fixed values, refused here if they do not parse (Settings names the variable).
        own = {variable.value: value for variable, value in spec.environment.items()}
        Settings.from_env(own)
        common: dict[str, Any] = {
            "function_name": self.physical_name(spec),
            "memory_size": spec.memory_mb,
            "timeout": cdk.Duration.seconds(spec.timeout_s),
            "environment": {**environment, Env.POWERTOOLS_SERVICE_NAME.value: spec.name, **own},
            "architecture": lambda_.Architecture.X86_64,
            "tracing": lambda_.Tracing.ACTIVE,
            "log_group": encrypted_log_group(self, f"{camel(spec.name)}Logs"),
        }
        if spec.reserved_concurrency is not None and self._reserve:
            common["reserved_concurrent_executions"] = spec.reserved_concurrency
        if spec.invoked_async:
            common["dead_letter_queue"] = sqs.Queue(
                self,
                f"{camel(spec.name)}InvocationDlq",
                queue_name=schema.invocation_dlq_name(spec, self._prefix),
                encryption=sqs.QueueEncryption.KMS,
                encryption_master_key=data.queue_key,
                enforce_ssl=True,
                retention_period=QUEUE_RETENTION,
            )
        if spec is schema.OCR_FUNCTION:
            # OpenCV, ONNX Runtime and the PP-OCR models are over the 250 MB zip limit: a container image.
            return lambda_.DockerImageFunction(
                self,
                "OcrFunction",
                code=lambda_.DockerImageCode.from_image_asset(
                    str(REPO_ROOT), file="functions/ocr/Dockerfile", exclude=DOCKER_EXCLUDES
                ),
                **common,
            )
        return lambda_.Function(
            self,
            f"{camel(spec.name)}Function",
            runtime=lambda_.Runtime.PYTHON_3_12,
            handler=spec.handler,
            code=light_code,
            **common,
        )


@jsii.implements(IValidation)
class _EveryNeedProvided:
    """Synthesis fails when a function declared to need a variable was never given it."""

    def __init__(self, provided: set[tuple[str, Env]]) -> None:
        self._provided = provided

    def validate(self) -> list[str]:
        return [
            f"{spec.name} needs {variable.value}: nothing called Functions.provide with it"
            for spec in schema.FUNCTIONS
            for variable in sorted(spec.needs)
            if (spec.name, variable) not in self._provided
        ]
