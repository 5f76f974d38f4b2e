"""CloudFront's viewer TLS policy (issue 13, finding 14): the TLSv1.2_2021 policy applies only with the
department's own domain and an ACM certificate in us-east-1. On the default *.cloudfront.net certificate "CloudFront
automatically sets the security policy to TLSv1 regardless of the value that you set" (CloudFront API reference,
ViewerCertificate.MinimumProtocolVersion)."""

from __future__ import annotations

from typing import Any

import pytest

from infra.features.staff import PAGE_CERTIFICATE_CONTEXT, PAGE_DOMAIN_CONTEXT, page_domain

CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"


def viewer_certificates(template: Any) -> list[dict[str, Any]]:
    return [
        d["Properties"]["DistributionConfig"].get("ViewerCertificate", {})
        for d in template.find_resources("AWS::CloudFront::Distribution").values()
    ]


def test_by_default_the_page_is_on_the_cloudfront_certificate_where_the_policy_cannot_apply(template: Any) -> None:
    """Without a domain the distribution keeps CloudFront's certificate (no ACM certificate, no alias): what
    CloudFront then enforces is TLSv1, as the README says; the nag finding is acknowledged with that reason."""
    [certificate] = viewer_certificates(template)
    assert "AcmCertificateArn" not in certificate
    [distribution] = template.find_resources("AWS::CloudFront::Distribution").values()
    assert "Aliases" not in distribution["Properties"]["DistributionConfig"]


def test_with_a_department_domain_every_distribution_enforces_tls_1_2_2021() -> None:
    import aws_cdk as cdk
    from aws_cdk.assertions import Template

    from infra.stack import AlprStack

    context = {
        "aws:cdk:bundling-stacks": [],
        PAGE_DOMAIN_CONTEXT: "alpr.example.gov",
        PAGE_CERTIFICATE_CONTEXT: CERTIFICATE,
    }
    app = cdk.App(context=context)
    template = Template.from_stack(AlprStack(app, "TlsStack", prefix="alpr"))
    certificates = viewer_certificates(template)
    assert certificates
    for certificate in certificates:
        assert certificate["AcmCertificateArn"] == CERTIFICATE
        assert certificate["MinimumProtocolVersion"] == "TLSv1.2_2021"
        assert certificate["SslSupportMethod"] == "sni-only"
    [distribution] = template.find_resources("AWS::CloudFront::Distribution").values()
    assert distribution["Properties"]["DistributionConfig"]["Aliases"] == ["alpr.example.gov"]


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({PAGE_DOMAIN_CONTEXT: "alpr.example.gov"}, "give both"),
        ({PAGE_CERTIFICATE_CONTEXT: CERTIFICATE}, "give both"),
        (
            {
                PAGE_DOMAIN_CONTEXT: "alpr.example.gov",
                PAGE_CERTIFICATE_CONTEXT: CERTIFICATE.replace("us-east-1", "us-west-2"),
            },
            "us-east-1",
        ),
    ],
)
def test_a_half_given_domain_or_a_certificate_outside_us_east_1_stops_the_synth(
    context: dict[str, str], message: str
) -> None:
    import aws_cdk as cdk

    with pytest.raises(ValueError, match=message):
        page_domain(cdk.App(context=context))
