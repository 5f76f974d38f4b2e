"""Staff access in AWS: Cognito login (MFA required), the staff API behind a Cognito authorizer (the search
function, and the other staff functions' routes under /v1/), and the page on S3 behind CloudFront (origin access
control). The search function's grants live here: it is read-only but for the records of who looked."""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from alpr import schema
from alpr.config import Settings
from infra.core.api_stage import BINARY_MEDIA_TYPES, logged_stage
from infra.core.bundling import REPO_ROOT
from infra.core.data import DataPlane
from infra.core.grants import allow, allow_table
from infra.core.removal import KEEP
from infra.guardrails.discovery import logical_id
from infra.guardrails.nag import acknowledge, nag_account, nag_region

# Staff routes of other functions, mounted under /v1/ of the staff API (the same paths as the local stack's).
STAFF_ROUTES: tuple[tuple[schema.FunctionSpec, tuple[str, ...]], ...] = (
    (schema.HOTLIST_API_FUNCTION, ("hotlist", "hotlists", "alerts")),
    (schema.AUDIT_API_FUNCTION, ("audits",)),
    (schema.RETENTION_API_FUNCTION, ("holds", "compliance")),
    (schema.ADMIN_API_FUNCTION, ("admin",)),
)


PAGE_DOMAIN_CONTEXT = "page_domain_name"
PAGE_CERTIFICATE_CONTEXT = "page_certificate_arn"


def page_domain(scope: Construct) -> tuple[str, str] | None:
    """The department's own name for the page and its ACM certificate, both or neither. CloudFront takes only a
    certificate in us-east-1 ("To use an ACM certificate with CloudFront, make sure you request (or import) the
    certificate in the US East (N. Virginia) Region": CloudFront Developer Guide, "Requirements for using SSL/TLS
    certificates with CloudFront")."""
    name = scope.node.try_get_context(PAGE_DOMAIN_CONTEXT)
    arn = scope.node.try_get_context(PAGE_CERTIFICATE_CONTEXT)
    if not name and not arn:
        return None
    if not name or not arn:
        raise ValueError(f"give both -c {PAGE_DOMAIN_CONTEXT}=<name> and -c {PAGE_CERTIFICATE_CONTEXT}=<arn>")
    if not str(arn).startswith("arn:aws:acm:us-east-1:"):
        raise ValueError(f"{PAGE_CERTIFICATE_CONTEXT}: CloudFront needs an ACM certificate in us-east-1, not {arn}")
    return str(name), str(arn)


class StaffAccess(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        data: DataPlane,
        search: lambda_.Function,
        share: lambda_.Function,
        routes: Sequence[tuple[lambda_.IFunction, Sequence[str]]],
    ) -> None:
        super().__init__(scope, construct_id)
        self.user_pool, client = self._user_pool(data)
        # What the functions that need the pool are deployed with (Functions.provide).
        self.settings = Settings(
            user_pool_id=self.user_pool.user_pool_id, user_pool_client_id=client.user_pool_client_id
        )
        self._grant_search(data, search)
        # Every route of these functions passes the access gate (issue 16): training lookup and access records.
        for function in {id(f): f for f in (share, *(f for f, _ in routes))}.values():
            data.grant_access_gate(function)
        self.api = self._staff_api(data, search, share, routes)
        self._page(data, self.api)
        # Outputs sit at the stack's root so their names stay "UserPoolId", "UserPoolClientId" and "PageUrl".
        stack = cdk.Stack.of(self)
        cdk.CfnOutput(stack, "UserPoolId", value=self.user_pool.user_pool_id)
        cdk.CfnOutput(stack, "UserPoolClientId", value=client.user_pool_client_id)

    def _user_pool(self, data: DataPlane) -> tuple[cognito.UserPool, cognito.UserPoolClient]:
        spec = schema.USER_POOL
        pool = cognito.UserPool(
            self,
            "StaffUserPool",
            user_pool_name=spec.physical_name(data.prefix),
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(username=True),
            standard_attributes=cognito.StandardAttributes(
                fullname=cognito.StandardAttribute(required=False, mutable=True)
            ),
            mfa=cognito.Mfa.REQUIRED,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            password_policy=cognito.PasswordPolicy(
                min_length=spec.min_password_length,
                require_digits=True,
                require_lowercase=True,
                require_uppercase=True,
                require_symbols=True,
                temp_password_validity=cdk.Duration.days(spec.temporary_password_days),
            ),
            account_recovery=cognito.AccountRecovery.NONE,
            feature_plan=cognito.FeaturePlan.PLUS,
            standard_threat_protection_mode=cognito.StandardThreatProtectionMode.FULL_FUNCTION,
            removal_policy=KEEP,
        )
        for role, description in schema.ROLE_DESCRIPTIONS.items():
            cognito.CfnUserPoolGroup(
                self,
                f"Group{role.value.capitalize()}",
                user_pool_id=pool.user_pool_id,
                group_name=role.value,
                description=description,
            )
        client = pool.add_client(
            "StaffPageClient",
            user_pool_client_name=spec.client_name,
            generate_secret=False,
            auth_flows=cognito.AuthFlow(user_password=True),
            # The page signs in through the API (InitiateAuth and its challenges), never the hosted UI: without
            # this CDK enables the implicit and code grants with an https://example.com callback.
            disable_o_auth=True,
            id_token_validity=cdk.Duration.minutes(spec.id_token_minutes),
            access_token_validity=cdk.Duration.minutes(spec.id_token_minutes),
            refresh_token_validity=cdk.Duration.hours(12),
            prevent_user_existence_errors=True,
            # Each login step's session: a first login installs an authenticator app within it (Cognito's
            # default of 3 minutes is short for that; AuthSessionValidity takes 3 to 15).
            auth_session_validity=cdk.Duration.minutes(spec.auth_session_minutes),
            read_attributes=cognito.ClientAttributes().with_standard_attributes(fullname=True),
        )
        return pool, client

    @staticmethod
    def _grant_search(data: DataPlane, search: lambda_.Function) -> None:
        # BatchGetItem: the search indexes project only what the search filters on; the reads it keeps are
        # fetched by key (schema.SEARCH_FILTERED).
        allow_table(search, data.table(schema.READS), ["GetItem", "Query", "BatchGetItem"])
        allow_table(search, data.table(schema.CAMERAS), ["GetItem", "Scan"], indexes=False)
        allow_table(search, data.table(schema.ALERTS), ["GetItem", "Scan"], indexes=False)
        allow_table(search, data.table(schema.TRAINING), ["GetItem", "PutItem", "Scan"], indexes=False)
        # ... and each training record made is appended to the administration log (who, when).
        allow_table(search, data.table(schema.ADMIN_LOG), ["PutItem"], indexes=False)
        # Append, and list for auditors: never update or delete.
        allow_table(search, data.table(schema.ACCESS_LOG), ["PutItem", "Query"])
        allow(search, ["s3:GetObject"], [data.objects(schema.BUCKET.frames)])
        # A plate search also finds the frames of sightings with that plate.
        allow_table(search, data.table(schema.SIGHTINGS), ["GetItem", "Query"])
        # Each result row's hotlist badge matches the plate against the lists in force (found by the rehearsal).
        data.grant_hotlist_snapshots(search)
        data.grant_access_records(search)

    def _staff_api(
        self,
        data: DataPlane,
        search: lambda_.Function,
        share: lambda_.Function,
        routes: Sequence[tuple[lambda_.IFunction, Sequence[str]]],
    ) -> apigw.RestApi:
        api = apigw.RestApi(
            self,
            "SearchApi",
            rest_api_name=f"{data.prefix}-search",
            binary_media_types=BINARY_MEDIA_TYPES,
            deploy_options=logged_stage(self, "SearchApi", rate=50, burst=100, log_user=True),
            cloud_watch_role=True,
        )
        authorizer = apigw.CognitoUserPoolsAuthorizer(self, "StaffAuthorizer", cognito_user_pools=[self.user_pool])
        signed_in = {"authorizer": authorizer, "authorization_type": apigw.AuthorizationType.COGNITO}
        integration = apigw.LambdaIntegration(search)
        root = api.root.add_resource("api")
        # Login is the one route before a token exists; the function still records every attempt.
        login = root.add_resource("login").add_method("POST", integration)
        for rule in ("APIG4", "COG4"):
            acknowledge(
                login,
                f"AwsSolutions::AwsSolutions-{rule}",
                "signing in is how a member gets a Cognito token; it returns no data",
            )
        root.add_resource("{proxy+}").add_method("ANY", integration, **signed_in)  # type: ignore[arg-type]
        # The other staff APIs sit behind the same sign-in; each function still checks roles and training itself.
        staff = api.root.add_resource("v1")
        for function, paths in routes:
            staff_integration = apigw.LambdaIntegration(function)
            for path in paths:
                resource = staff.add_resource(path)
                for target in (resource, resource.add_resource("{proxy+}")):
                    target.add_method("ANY", staff_integration, **signed_in)  # type: ignore[arg-type]
        # Captains and administrators review sharing requests and edit agencies here, signed in; outside agencies
        # use the sharing API (its own US-only WAF) with their grant tokens.
        api.root.add_resource("share").add_resource("{proxy+}").add_method(
            "ANY",
            apigw.LambdaIntegration(share),
            **signed_in,  # type: ignore[arg-type]
        )
        return api

    def _page(self, data: DataPlane, api: apigw.RestApi) -> None:
        bucket = s3.Bucket(
            self,
            "PageBucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            server_access_logs_bucket=data.access_logs,
            server_access_logs_prefix="page/",
            removal_policy=KEEP,
        )
        domain = page_domain(self)
        distribution = cloudfront.Distribution(
            self,
            "PageDistribution",
            default_root_object="index.html",
            # Applies only with the department's own domain and certificate: on the default *.cloudfront.net
            # certificate "CloudFront automatically sets the security policy to TLSv1 regardless of the value that
            # you set here" (CloudFront API reference, ViewerCertificate.MinimumProtocolVersion; Developer Guide,
            # "Supported protocols and ciphers between viewers and CloudFront").
            # (CDK drops it without a certificate, and says so: set only where it applies.)
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021 if domain else None,
            domain_names=[domain[0]] if domain else None,
            certificate=acm.Certificate.from_certificate_arn(self, "PageCertificate", domain[1]) if domain else None,
            enable_logging=True,
            log_bucket=data.access_logs,
            log_file_prefix="page-distribution/",
            # Staff work in the city; the page has no business being reachable from abroad.
            geo_restriction=cloudfront.GeoRestriction.allowlist("US"),
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                response_headers_policy=cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
            ),
            # The page calls the search API (/api/) and the other staff routes (/v1/: audits, administration ...).
            additional_behaviors={
                path: cloudfront.BehaviorOptions(
                    origin=origins.RestApiOrigin(api),
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                    allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                    cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                    origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
                    response_headers_policy=cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
                )
                for path in ("/api/*", "/v1/*")
            },
        )
        if domain is None:
            acknowledge(
                distribution,
                "AwsSolutions::AwsSolutions-CFR4",
                "the default *.cloudfront.net certificate cannot pin TLS 1.2 (CloudFront serves TLSv1 on it); "
                f"-c {PAGE_DOMAIN_CONTEXT}=... -c {PAGE_CERTIFICATE_CONTEXT}=... gives TLSv1.2_2021",
            )
        s3deploy.BucketDeployment(
            self,
            "PageFiles",
            sources=[s3deploy.Source.asset(str(REPO_ROOT / "web"))],
            destination_bucket=bucket,
            distribution=distribution,
        )
        self._acknowledge_deployment_helper(bucket)
        page_host = domain[0] if domain else distribution.distribution_domain_name
        cdk.CfnOutput(cdk.Stack.of(self), "PageUrl", value=f"https://{page_host}/")

    def _acknowledge_deployment_helper(self, bucket: s3.Bucket) -> None:
        """CDK puts the page-deployment function at the stack's root (one per stack)."""
        stack = cdk.Stack.of(self)
        for helper in stack.node.children:
            if not helper.node.id.startswith("Custom::CDKBucketDeployment"):
                continue
            wildcard_resources = (
                f"IAM5[Resource::<{logical_id(bucket)}.Arn>/*]",
                "IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-"
                f"{nag_account(stack)}-{nag_region(stack)}/*]",
            )
            for rule in (
                *wildcard_resources,
                "IAM5[Action::s3:GetObject*]",
                "IAM5[Action::s3:GetBucket*]",
                "IAM5[Action::s3:List*]",
                "IAM5[Action::s3:DeleteObject*]",
                "IAM5[Action::s3:Abort*]",
                "IAM5[Resource::*]",
                "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
                "L1",
            ):
                acknowledge(
                    helper,
                    f"AwsSolutions::AwsSolutions-{rule}",
                    "CDK's page-deployment helper copies web/ from the CDK asset bucket into the page bucket "
                    "only; it has no grant on any ALPR data (infra/guardrails/policy_audit.py checks)",
                )
