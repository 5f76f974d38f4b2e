"""The staff search page in AWS: Cognito login (MFA required), the search API behind a Cognito authorizer,
the page on S3 behind CloudFront (origin access control), least-privilege grants for the search function,
and an access log that nobody can change or delete (IAM grants PutItem only; the table's resource policy
denies every changing action to every principal)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy

from alpr import schema
from infra import security
from infra.api_stage import logged_stage
from infra.bundling import REPO_ROOT

if TYPE_CHECKING:
    from infra.stack import AlprStack

# Actions that would change or remove an access record once written.
ACCESS_LOG_FORBIDDEN_ACTIONS = (
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:PartiQLUpdate",
    "dynamodb:PartiQLDelete",
    "dynamodb:PartiQLInsert",
    "dynamodb:RestoreTableToPointInTime",
    "dynamodb:ImportTable",
)


# Staff routes of other functions, mounted under /v1/ of the staff API (the same paths as the local stack's).
STAFF_ROUTES = {
    "hotlist-api": ("hotlist", "hotlists", "alerts"),
    "audit-api": ("audits",),
    "retention-api": ("holds", "compliance"),
    "admin-api": ("admin",),
}


def add_staff_search(stack: AlprStack) -> None:
    pool, client = _user_pool(stack)
    function = stack.functions["search"]
    function.add_environment("ALPR_USER_POOL_ID", pool.user_pool_id)
    function.add_environment("ALPR_USER_POOL_CLIENT_ID", client.user_pool_client_id)
    _grant_search(stack, function)
    _protect_append_only_tables(stack)
    api = _search_api(stack, function, pool)
    _page(stack, api)
    cdk.CfnOutput(stack, "UserPoolId", value=pool.user_pool_id)
    cdk.CfnOutput(stack, "UserPoolClientId", value=client.user_pool_client_id)


def _user_pool(stack: AlprStack) -> tuple[cognito.UserPool, cognito.UserPoolClient]:
    spec = schema.USER_POOL
    pool = cognito.UserPool(
        stack,
        "StaffUserPool",
        user_pool_name=spec.physical_name(stack.prefix),
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
            temp_password_validity=cdk.Duration.days(3),
        ),
        account_recovery=cognito.AccountRecovery.NONE,
        feature_plan=cognito.FeaturePlan.PLUS,
        standard_threat_protection_mode=cognito.StandardThreatProtectionMode.FULL_FUNCTION,
        removal_policy=cdk.RemovalPolicy.RETAIN,
    )
    for role, description in schema.ROLE_DESCRIPTIONS.items():
        cognito.CfnUserPoolGroup(
            stack,
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
        id_token_validity=cdk.Duration.minutes(spec.id_token_minutes),
        access_token_validity=cdk.Duration.minutes(spec.id_token_minutes),
        refresh_token_validity=cdk.Duration.hours(12),
        prevent_user_existence_errors=True,
        read_attributes=cognito.ClientAttributes().with_standard_attributes(fullname=True),
    )
    return pool, client


def _grant_search(stack: AlprStack, function: cdk.aws_lambda.Function) -> None:
    def table_actions(table: schema.Table, actions: list[str], indexes: bool = True) -> None:
        construct = stack.tables[table.logical_name]
        resources = [construct.table_arn] + ([f"{construct.table_arn}/index/*"] if indexes else [])
        function.add_to_role_policy(
            iam.PolicyStatement(actions=[f"dynamodb:{a}" for a in actions], resources=resources)
        )

    table_actions(schema.READS, ["GetItem", "Query"])
    table_actions(schema.CAMERAS, ["GetItem", "Scan"], indexes=False)
    table_actions(schema.ALERTS, ["GetItem", "Scan"], indexes=False)
    table_actions(schema.TRAINING, ["GetItem", "PutItem", "Scan"], indexes=False)
    # ... and each training record made is appended to the administration log (who, when).
    table_actions(schema.ADMIN_LOG, ["PutItem"], indexes=False)
    # Append, and list for auditors: never update or delete.
    table_actions(schema.ACCESS_LOG, ["PutItem", "Query"])
    function.add_to_role_policy(
        iam.PolicyStatement(
            actions=["s3:GetObject"], resources=[stack.images.arn_for_objects(f"{schema.BUCKET.frames}*")]
        )
    )


def _protect_append_only_tables(stack: AlprStack) -> None:
    for table in schema.TABLES:
        if not table.append_only:
            continue
        construct = stack.tables[table.logical_name]
        cfn = construct.node.default_child
        assert isinstance(cfn, dynamodb.CfnTable)
        cfn.resource_policy = dynamodb.CfnTable.ResourcePolicyProperty(
            policy_document={
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "AccessRecordsAreAppendOnly",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": list(ACCESS_LOG_FORBIDDEN_ACTIONS),
                        "Resource": "*",
                    }
                ],
            }
        )


def _search_api(stack: AlprStack, function: cdk.aws_lambda.Function, pool: cognito.UserPool) -> apigw.RestApi:
    api = apigw.RestApi(
        stack,
        "SearchApi",
        rest_api_name=f"{stack.prefix}-search",
        binary_media_types=["image/*"],
        deploy_options=logged_stage(stack, "SearchApi", rate=50, burst=100, log_user=True),
        cloud_watch_role=True,
    )
    authorizer = apigw.CognitoUserPoolsAuthorizer(stack, "StaffAuthorizer", cognito_user_pools=[pool])
    integration = apigw.LambdaIntegration(function)
    root = api.root.add_resource("api")
    # Login is the one route before a token exists; the function still records every attempt.
    login = root.add_resource("login").add_method("POST", integration)
    for rule in ("APIG4", "COG4"):
        security.acknowledge(
            login,
            f"AwsSolutions::AwsSolutions-{rule}",
            "signing in is how a member gets a Cognito token; it returns no data",
        )
    root.add_resource("{proxy+}").add_method(
        "ANY", integration, authorizer=authorizer, authorization_type=apigw.AuthorizationType.COGNITO
    )
    # The other staff APIs sit behind the same sign-in; each function still checks roles and training itself.
    staff = api.root.add_resource("v1")
    for function_name, paths in STAFF_ROUTES.items():
        staff_integration = apigw.LambdaIntegration(stack.functions[function_name])
        for path in paths:
            resource = staff.add_resource(path)
            for target in (resource, resource.add_resource("{proxy+}")):
                target.add_method(
                    "ANY", staff_integration, authorizer=authorizer, authorization_type=apigw.AuthorizationType.COGNITO
                )
    # Captains and administrators review sharing requests and edit agencies here, signed in; outside agencies
    # use the sharing API (its own US-only WAF) with their grant tokens.
    share = api.root.add_resource("share").add_resource("{proxy+}")
    share.add_method(
        "ANY",
        apigw.LambdaIntegration(stack.functions["share"]),
        authorizer=authorizer,
        authorization_type=apigw.AuthorizationType.COGNITO,
    )
    return api


def _page(stack: AlprStack, api: apigw.RestApi) -> None:
    bucket = s3.Bucket(
        stack,
        "PageBucket",
        encryption=s3.BucketEncryption.S3_MANAGED,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        versioned=True,
        server_access_logs_bucket=stack.access_logs,
        server_access_logs_prefix="page/",
        removal_policy=cdk.RemovalPolicy.RETAIN,
    )
    distribution = cloudfront.Distribution(
        stack,
        "PageDistribution",
        default_root_object="index.html",
        minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
        enable_logging=True,
        log_bucket=stack.access_logs,
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
    security.acknowledge(
        distribution,
        "AwsSolutions::AwsSolutions-CFR4",
        "the default *.cloudfront.net certificate cannot pin TLS 1.2; a department domain's certificate does",
    )
    s3deploy.BucketDeployment(
        stack,
        "PageFiles",
        sources=[s3deploy.Source.asset(str(REPO_ROOT / "web"))],
        destination_bucket=bucket,
        distribution=distribution,
    )
    for helper in stack.node.children:
        if helper.node.id.startswith("Custom::CDKBucketDeployment"):
            wildcard_resources = (
                f"IAM5[Resource::<{security.logical_id(stack, bucket)}.Arn>/*]",
                "IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]",
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
                security.acknowledge(
                    helper,
                    f"AwsSolutions::AwsSolutions-{rule}",
                    "CDK's page-deployment helper copies web/ from the CDK asset bucket into the page bucket "
                    "only; it has no grant on any ALPR data (infra/policy_audit.py checks)",
                )
    cdk.CfnOutput(stack, "PageUrl", value=f"https://{distribution.distribution_domain_name}/")
