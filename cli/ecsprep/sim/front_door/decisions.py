"""The front-door simulator's rules and its decisions: the doc page each rule comes
from, the values ecsprep assumes where AWS publishes none (INF), and one hop's decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

# The doc pages each rule comes from (docs/front-door.md cites them in full).
AG = "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
HTTP_PRIVATE = AG + "http-api-develop-integrations-private.html"
HTTP_MAPPING = AG + "http-api-parameter-mapping.html"
REST_PRIVATE = AG + "private-integration.html"
REST_VPC_V1 = AG + "vpc-links-v1.html"
REST_VS_HTTP = AG + "http-api-vs-rest.html"
# http-api-vs-rest.html: "Choose REST APIs if you need features such as API keys, per-client
# throttling, request validation, AWS WAF integration, or private API endpoints." Every refusal of
# such a feature on an HTTP API says so in these words, so that a check's claim ("only a REST API
# can do it") matches these refusals and no other one that merely mentions HTTP APIs.
REST_ONLY = "a feature to choose REST APIs for (not an HTTP API's)"
API_KEYS = AG + "api-gateway-api-usage-plans.html"
# supported-gateway-response-types.html: MISSING_AUTHENTICATION_TOKEN, default status 403,
# "including the cases when the client attempts to invoke an unsupported API method or resource"
REST_NO_METHOD = AG + "supported-gateway-response-types.html"
VALIDATION = AG + "api-gateway-method-request-validation.html"
HTTP_JWT = AG + "http-api-jwt-authorizer.html"
HTTP_ROUTES = "https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-routes.html"
PAYLOAD = (
    "https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-integrations.html"
)
_CF = "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/"
CF_LOCK_ALB = _CF + "restrict-access-to-load-balancer.html"
CF_PREFIX_LIST = _CF + "LocationsOfEdgeServers.html"
CF_VPC_ORIGINS = _CF + "private-content-vpc-origins.html"
CF_OAC = _CF + "private-content-restricting-access-to-s3.html"
WAF_RESOURCES = (
    "https://docs.aws.amazon.com/waf/latest/developerguide/how-aws-waf-works-resources.html"
)
WAF_RATE = (
    "https://docs.aws.amazon.com/waf/latest/developerguide/"
    "waf-rule-statement-type-rate-based-high-level-settings.html"
)
WAF_SQLI = (
    "https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-use-case.html"
)
WAF_BLOCK = "https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-action.html"
SG_RULES = "https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html"
ELB_SCHEME = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#load-balancer-scheme"
# load-balancer-listeners.html (application/ and network/): "A listener is a process that checks
# for connection requests, using the protocol and port that you configure."
ELB_LISTENERS = {
    "application": "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/"
    "load-balancer-listeners.html",
    "network": "https://docs.aws.amazon.com/elasticloadbalancing/latest/network/"
    "load-balancer-listeners.html",
}
ELB_RULES = (
    "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html"
)
ELB_503 = (
    "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/"
    "load-balancer-troubleshooting.html#http-503-issues"
)
CLOUD_MAP_NAMESPACES = "https://docs.aws.amazon.com/cloud-map/latest/dg/creating-namespaces.html"
NLB_ALB_TARGET = "https://docs.aws.amazon.com/elasticloadbalancing/latest/network/application-load-balancer-target.html"

CLOUDFRONT_PREFIX_LISTS = (
    "com.amazonaws.global.cloudfront.origin-facing",
    "com.amazonaws.global.ipv6.cloudfront.origin-facing",
)
# INF: representative addresses. AWS publishes ranges, not which address a request uses.
CLOUDFRONT_ORIGIN_FACING_IP = "130.176.0.10"  # inside the origin-facing prefix list
CLOUDFRONT_VIEWER_FACING_IP = "18.64.0.10"  # what a distribution's domain name resolves to
API_GATEWAY_IP = "3.5.0.10"  # an API Gateway address seen by a public integration
DEFAULT_CLIENT_IP = "203.0.113.10"
WAF_REGIONAL_TYPES = ("application",)  # load balancer types a regional web ACL protects
SQLI_RULE_GROUPS = ("AWSManagedRulesSQLiRuleSet",)
OAC_ORIGIN_TYPES = ("s3", "lambda", "mediastore", "mediapackagev2")


class Verdict(Enum):
    ACCEPT = "accept"
    FORWARD = "forward"
    BLOCK = "block"
    FAIL = "fail"
    REACH = "reach"


@dataclass(frozen=True, slots=True)
class Decision:
    hop: str  # e.g. "CloudFront E1WEB", "ALB web-alb", "HTTP API abc123"
    verdict: Verdict
    what: str
    rule: str = ""  # the doc page of the rule applied
    inferred: bool = False  # an INF choice decided it
