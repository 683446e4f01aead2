"""How a client's request reaches an ECS service through a front door.

The front doors are the ones AWS documents for ECS services: API Gateway HTTP APIs and
REST APIs (private integrations through VPC links to a load balancer listener or, for
HTTP APIs only, an AWS Cloud Map service), CloudFront distributions (custom origins with
custom origin headers, VPC origins) and AWS WAF web ACLs on CloudFront, ALBs and REST API
stages. The input is a scenario in AWS's own shapes (docs/front-door.md): load balancers
with listeners and rules, target groups, security groups, Cloud Map services, VPC links,
HTTP APIs, REST APIs, web ACLs and their associations, VPC origins, distributions, and the
requests to play. Configuration AWS refuses is refused (InputError) with AWS's rule; each
request gets a decision list: which hop accepts, forwards or blocks it, and the doc rule.
Every choice the docs leave open is marked INF.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from ecsprep.sim.documents import Where, as_int, as_list, as_mapping, as_str

FACTS = (
    "reaches",
    "status",
    "blocked_by",
    "blocked_at",
    "backend_path",
    "hops",
    "load_balancers",
    "public_endpoints",
    "origin_secrets",
)
RANKED = ("load_balancers",)

# The doc pages each rule comes from (docs/front-door.md cites them in full).
_AG = "https://docs.aws.amazon.com/apigateway/latest/developerguide/"
HTTP_PRIVATE = _AG + "http-api-develop-integrations-private.html"
HTTP_MAPPING = _AG + "http-api-parameter-mapping.html"
REST_PRIVATE = _AG + "private-integration.html"
REST_VPC_V1 = _AG + "vpc-links-v1.html"
REST_VS_HTTP = _AG + "http-api-vs-rest.html"
# http-api-vs-rest.html: "Choose REST APIs if you need features such as API keys, per-client
# throttling, request validation, AWS WAF integration, or private API endpoints." Every refusal of
# such a feature on an HTTP API says so in these words, so that a check's claim ("only a REST API
# can do it") matches these refusals and no other one that merely mentions HTTP APIs.
REST_ONLY = "a feature to choose REST APIs for (not an HTTP API's)"
API_KEYS = _AG + "api-gateway-api-usage-plans.html"
VALIDATION = _AG + "api-gateway-method-request-validation.html"
HTTP_JWT = _AG + "http-api-jwt-authorizer.html"
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
ELB_RULES = (
    "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-condition-types.html"
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


# --------------------------------------------------------------------------- input


@dataclass(frozen=True, slots=True)
class Condition:
    field: str  # http-header | path-pattern | host-header
    name: str  # header name for http-header
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Action:
    kind: str  # forward | fixed-response
    target_group: str = ""
    status: int = 0


@dataclass(frozen=True, slots=True)
class Rule:
    priority: int
    conditions: tuple[Condition, ...]
    action: Action


@dataclass(frozen=True, slots=True)
class Listener:
    port: int
    rules: tuple[Rule, ...]
    default: Action


@dataclass(frozen=True, slots=True)
class LoadBalancer:
    name: str
    kind: str  # application | network
    scheme: str  # internet-facing | internal
    region: str
    dns: str
    security_groups: tuple[str, ...]
    listeners: tuple[Listener, ...]

    @property
    def label(self) -> str:
        return f"{'ALB' if self.kind == 'application' else 'NLB'} {self.name}"


@dataclass(frozen=True, slots=True)
class TargetGroup:
    name: str
    target_type: str  # ip | instance | alb
    service: str  # the ECS service registered in it ("" for type alb)
    alb: str = ""  # the ALB a target group of type alb points at


@dataclass(frozen=True, slots=True)
class Permission:
    from_port: int
    to_port: int
    cidrs: tuple[str, ...]
    prefix_lists: tuple[str, ...]
    groups: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SecurityGroup:
    group_id: str
    inbound: tuple[Permission, ...]


@dataclass(frozen=True, slots=True)
class CloudMapService:
    service_id: str
    name: str
    service: str  # the ECS service whose tasks register in it
    namespace: str = ""  # the namespace's name, e.g. shop.local
    namespace_type: str = "DNS_PRIVATE"  # DNS_PRIVATE | DNS_PUBLIC | HTTP


@dataclass(frozen=True, slots=True)
class VpcLink:
    link_id: str
    version: str  # V2 | V1
    targets: tuple[str, ...]  # V1: the NLB(s)


@dataclass(frozen=True, slots=True)
class Integration:
    integration_id: str
    kind: str  # HTTP_PROXY | AWS_PROXY | ...
    connection: str  # VPC_LINK | INTERNET
    link: str
    uri: str  # HTTP API: listener ARN / Cloud Map service ARN / URL; REST: URL
    target: str  # REST VPC link V2: the load balancer ARN
    overwrite_path: str = ""


@dataclass(frozen=True, slots=True)
class Route:
    method: str  # ANY, GET, ... ("$default" route: method "")
    path: str  # "/orders/{proxy+}" or "$default"
    integration: Integration
    jwt: bool = False  # a JWT (HTTP API) or Cognito user pool (REST) authorizer
    api_key: bool = False  # REST: apiKeyRequired
    validates: bool = False  # REST: a request validator


@dataclass(frozen=True, slots=True)
class Api:
    api_id: str
    protocol: str  # HTTP | REST
    region: str
    stages: tuple[str, ...]
    routes: tuple[Route, ...]
    api_keys: tuple[str, ...] = ()  # REST: keys in a usage plan of the stage

    @property
    def label(self) -> str:
        return f"{self.protocol} API {self.api_id}"


@dataclass(frozen=True, slots=True)
class WafRule:
    name: str
    priority: int
    kind: str  # sqli | rate | other
    action: str  # Block | Count | Allow
    limit: int = 0


@dataclass(frozen=True, slots=True)
class WebAcl:
    name: str
    scope: str  # REGIONAL | CLOUDFRONT
    region: str
    default_block: bool
    rules: tuple[WafRule, ...]


@dataclass(frozen=True, slots=True)
class Origin:
    origin_id: str
    domain: str
    headers: tuple[tuple[str, str], ...]
    vpc_origin: str  # the VPC origin's load balancer name, or ""


@dataclass(frozen=True, slots=True)
class Distribution:
    dist_id: str
    domain: str
    origin: Origin
    web_acl: str  # web ACL name, or ""


@dataclass(frozen=True, slots=True)
class Request:
    name: str
    url: str
    host: str
    path: str
    port: int
    source_ip: str
    headers: tuple[tuple[str, str], ...]
    api_key: str
    jwt: str  # valid | invalid | missing
    sqli: bool
    rate: int  # requests from this source IP per 5 minutes
    valid_body: bool


@dataclass(frozen=True, slots=True)
class Setup:
    description: str
    region: str
    load_balancers: tuple[LoadBalancer, ...]
    target_groups: tuple[TargetGroup, ...]
    security_groups: tuple[SecurityGroup, ...]
    cloud_map: tuple[CloudMapService, ...]
    vpc_links: tuple[VpcLink, ...]
    apis: tuple[Api, ...]
    web_acls: tuple[WebAcl, ...]
    protects: tuple[tuple[str, str], ...]  # (resource key, web ACL name)
    distributions: tuple[Distribution, ...]
    requests: tuple[Request, ...]


_TOP = (
    "description",
    "region",
    "loadBalancers",
    "targetGroups",
    "securityGroups",
    "cloudMapServices",
    "vpcLinks",
    "httpApis",
    "restApis",
    "webAcls",
    "associations",
    "vpcOrigins",
    "originAccessControls",
    "distributions",
    "requests",
)


def _known(doc: Mapping[str, Any], keys: tuple[str, ...], where: Where, what: str) -> None:
    for key in doc:
        if key not in keys:
            raise where.key(str(key)).refuse(
                f"unknown key {key!r} in {what}", "known keys: " + ", ".join(keys)
            )


def _items(doc: Mapping[str, Any], key: str, where: Where) -> list[tuple[Where, Mapping[str, Any]]]:
    at = where.key(key)
    found = []
    for i, item in enumerate(as_list(doc.get(key, []), at)):
        found.append((at.index(i), as_mapping(item, at.index(i))))
    return found


def _text(doc: Mapping[str, Any], key: str, where: Where, default: str | None = None) -> str:
    if key not in doc:
        if default is None:
            raise where.refuse(f"{key} is missing")
        return default
    return as_str(doc[key], where.key(key))


def arn_name(value: str) -> str:
    """The resource name in an ELB or Cloud Map ARN (`.../app/NAME/id`, `targetgroup/NAME/id`,
    `service/srv-id`), or the value itself when it is a bare name."""
    if not value.startswith("arn:"):
        return value
    resource = value.split(":", 5)[-1]
    parts = resource.split("/")
    if parts[0] in ("loadbalancer", "listener") and len(parts) >= 3:
        return parts[2]
    return parts[1] if len(parts) > 1 else resource


def arn_region(value: str) -> str:
    parts = value.split(":")
    return parts[3] if value.startswith("arn:") and len(parts) > 3 else ""


def _action(doc: Mapping[str, Any], where: Where) -> Action:
    kind = _text(doc, "Type", where)
    if kind == "forward":
        return Action("forward", target_group=arn_name(_text(doc, "TargetGroupArn", where)))
    if kind == "fixed-response":
        config = as_mapping(doc.get("FixedResponseConfig", {}), where.key("FixedResponseConfig"))
        status = as_int(config.get("StatusCode", 200), where.key("FixedResponseConfig.StatusCode"))
        return Action("fixed-response", status=status)
    raise where.key("Type").refuse(
        f"action type {kind!r} isn't modelled", "use forward or fixed-response"
    )


def _listener(doc: Mapping[str, Any], where: Where) -> Listener:
    _known(doc, ("Port", "Protocol", "DefaultActions", "Rules", "ListenerArn"), where, "a listener")
    defaults = _items(doc, "DefaultActions", where)
    if not defaults:
        raise where.refuse("DefaultActions is missing", "every listener has a default action")
    rules = []
    for at, rule in _items(doc, "Rules", where):
        conditions = []
        for cat, cond in _items(rule, "Conditions", at):
            kind = _text(cond, "Field", cat)
            if kind == "http-header":
                config = as_mapping(cond.get("HttpHeaderConfig", {}), cat.key("HttpHeaderConfig"))
                name = _text(config, "HttpHeaderName", cat.key("HttpHeaderConfig"))
                values = as_list(config.get("Values", []), cat.key("HttpHeaderConfig.Values"))
            elif kind in ("path-pattern", "host-header"):
                key = "PathPatternConfig" if kind == "path-pattern" else "HostHeaderConfig"
                config = as_mapping(cond.get(key, {}), cat.key(key))
                name = ""
                values = as_list(config.get("Values", []), cat.key(f"{key}.Values"))
            else:
                raise cat.key("Field").refuse(
                    f"condition {kind!r} isn't modelled",
                    "use http-header, path-pattern or host-header",
                )
            conditions.append(Condition(kind, name, tuple(str(v) for v in values)))
        actions = _items(rule, "Actions", at)
        if not actions:
            raise at.refuse("Actions is missing")
        rules.append(
            Rule(
                as_int(rule.get("Priority", 1), at.key("Priority"), minimum=1),
                tuple(conditions),
                _action(actions[0][1], actions[0][0]),
            )
        )
    return Listener(
        port=as_int(doc.get("Port", 80), where.key("Port"), minimum=1),
        rules=tuple(sorted(rules, key=lambda r: r.priority)),
        default=_action(defaults[0][1], defaults[0][0]),
    )


def _load_balancer(doc: Mapping[str, Any], where: Where, region: str) -> LoadBalancer:
    _known(
        doc,
        (
            "LoadBalancerName",
            "LoadBalancerArn",
            "Type",
            "Scheme",
            "DNSName",
            "SecurityGroups",
            "Listeners",
            "Region",
        ),
        where,
        "a load balancer",
    )
    name = _text(doc, "LoadBalancerName", where)
    kind = _text(doc, "Type", where, "application")
    if kind not in ("application", "network"):
        raise where.key("Type").refuse(f"{kind!r}: use application or network")
    scheme = _text(doc, "Scheme", where, "internet-facing")
    if scheme not in ("internet-facing", "internal"):
        raise where.key("Scheme").refuse(f"{scheme!r}: use internet-facing or internal")
    lb_region = _text(doc, "Region", where, region)
    prefix = "internal-" if scheme == "internal" else ""
    dns = _text(doc, "DNSName", where, f"{prefix}{name}.{lb_region}.elb.amazonaws.com")
    groups = tuple(
        str(g) for g in as_list(doc.get("SecurityGroups", []), where.key("SecurityGroups"))
    )
    listeners = tuple(_listener(d, at) for at, d in _items(doc, "Listeners", where))
    return LoadBalancer(name, kind, scheme, lb_region, dns.lower(), groups, listeners)


def _security_group(doc: Mapping[str, Any], where: Where) -> SecurityGroup:
    _known(doc, ("GroupId", "GroupName", "Description", "IpPermissions"), where, "a security group")
    perms = []
    for at, perm in _items(doc, "IpPermissions", where):
        if "RuleAction" in perm:
            raise at.key("RuleAction").refuse(
                "security groups support allow rules only: you can specify allow rules, but not "
                "deny rules",
                f"{SG_RULES} (deny rules belong to network ACLs)",
            )
        _known(
            perm,
            (
                "IpProtocol",
                "FromPort",
                "ToPort",
                "IpRanges",
                "PrefixListIds",
                "UserIdGroupPairs",
                "Description",
            ),
            at,
            "an inbound rule (IpPermissions)",
        )
        cidrs = []
        for rat, r in _items(perm, "IpRanges", at):
            cidr = _text(r, "CidrIp", rat)
            try:
                ipaddress.ip_network(cidr, strict=False)
            except ValueError:
                raise rat.key("CidrIp").refuse(f"{cidr!r} isn't a CIDR block") from None
            cidrs.append(cidr)
        lists = tuple(_text(p, "PrefixListId", pat) for pat, p in _items(perm, "PrefixListIds", at))
        groups = tuple(_text(g, "GroupId", gat) for gat, g in _items(perm, "UserIdGroupPairs", at))
        protocol = str(perm.get("IpProtocol", "tcp"))
        low = as_int(perm.get("FromPort", 0), at.key("FromPort")) if protocol != "-1" else 0
        high = as_int(perm.get("ToPort", 65535), at.key("ToPort")) if protocol != "-1" else 65535
        perms.append(Permission(low, high, tuple(cidrs), lists, groups))
    return SecurityGroup(_text(doc, "GroupId", where), tuple(perms))


def _integration(
    doc: Mapping[str, Any], where: Where, protocol: str, links: Mapping[str, VpcLink]
) -> Integration:
    if protocol == "HTTP":
        _known(
            doc,
            (
                "IntegrationId",
                "IntegrationType",
                "ConnectionType",
                "ConnectionId",
                "IntegrationUri",
                "IntegrationMethod",
                "PayloadFormatVersion",
                "RequestParameters",
                "TlsConfig",
            ),
            where,
            "an HTTP API integration",
        )
        kind = _text(doc, "IntegrationType", where, "HTTP_PROXY")
        if kind == "HTTP_PROXY" and str(doc.get("PayloadFormatVersion", "1.0")) != "1.0":
            raise where.key("PayloadFormatVersion").refuse(
                "Supported values for Lambda proxy integrations are 1.0 and 2.0. For all other "
                "integrations, 1.0 is the only supported value.",
                PAYLOAD,
            )
        connection = _text(doc, "ConnectionType", where, "INTERNET")
        link = _text(doc, "ConnectionId", where, "")
        uri = _text(doc, "IntegrationUri", where)
        params = as_mapping(doc.get("RequestParameters", {}), where.key("RequestParameters"))
        overwrite = str(params.get("overwrite:path", ""))
        for key in params:
            if not re.fullmatch(
                r"(append|overwrite|remove):(header|querystring)\..+|overwrite:path", str(key)
            ):
                raise where.key(f"RequestParameters.{key}").refuse(
                    f"{key!r} isn't a request parameter mapping key", HTTP_MAPPING
                )
        target = ""
        if connection == "VPC_LINK":
            if link not in links:
                raise where.key("ConnectionId").refuse(f"no VPC link {link!r} in vpcLinks")
            if links[link].version != "V2":
                raise where.key("ConnectionId").refuse(
                    "HTTP APIs use VPC links V2; a VPC link V1 serves REST APIs only", HTTP_PRIVATE
                )
            # http-api-develop-integrations-private.html: "provide the load balancer's listener
            # ARN" (or a Cloud Map service ARN).
            if ":servicediscovery:" not in uri and not (
                ":elasticloadbalancing:" in uri and ":listener/" in uri
            ):
                raise where.key("IntegrationUri").refuse(
                    "a private integration's IntegrationUri is the ARN of a load balancer listener "
                    "or of an AWS Cloud Map service",
                    HTTP_PRIVATE,
                )
        return Integration(
            _text(doc, "IntegrationId", where, "int"),
            kind,
            connection,
            link,
            uri,
            target,
            overwrite,
        )
    _known(
        doc,
        ("type", "connectionType", "connectionId", "integrationTarget", "uri", "httpMethod"),
        where,
        "a REST API method integration",
    )
    kind = _text(doc, "type", where, "HTTP_PROXY")
    connection = _text(doc, "connectionType", where, "INTERNET")
    link = _text(doc, "connectionId", where, "")
    uri = _text(doc, "uri", where, "")
    target = _text(doc, "integrationTarget", where, "")
    if connection == "VPC_LINK":
        if link not in links:
            raise where.key("connectionId").refuse(f"no VPC link {link!r} in vpcLinks")
        if links[link].version == "V2":
            # set-up-private-integration.html: "provide the ARN of an Network Load Balancer or an
            # Application Load Balancer" (a loadbalancer/app/… or loadbalancer/net/… ARN, not a
            # listener's).
            if ":elasticloadbalancing:" not in target or not re.search(
                r":loadbalancer/(app|net)/", target
            ):
                raise where.key("integrationTarget").refuse(
                    "a REST API private integration through a VPC link V2 targets the ARN of an "
                    "Application Load Balancer or a Network Load Balancer (loadbalancer/app/… or "
                    "loadbalancer/net/…, not a listener); AWS Cloud Map services are private "
                    "integrations of HTTP APIs only",
                    f"{REST_PRIVATE}; {_AG}set-up-private-integration.html",
                )
        elif target:
            raise where.key("integrationTarget").refuse(
                "a VPC link V1 already names its Network Load Balancer; integrationTarget is for "
                "VPC links V2",
                REST_VPC_V1,
            )
    return Integration("", kind, connection, link, uri, target)


def _http_api(
    doc: Mapping[str, Any], where: Where, region: str, links: Mapping[str, VpcLink]
) -> Api:
    _known(
        doc,
        (
            "ApiId",
            "Name",
            "ProtocolType",
            "Region",
            "Stages",
            "Routes",
            "Integrations",
            "Authorizers",
        ),
        where,
        "an HTTP API",
    )
    api_id = _text(doc, "ApiId", where)
    if doc.get("ProtocolType", "HTTP") != "HTTP":
        raise where.key("ProtocolType").refuse(
            "this simulator models HTTP APIs (ProtocolType HTTP)"
        )
    integrations = {}
    for at, d in _items(doc, "Integrations", where):
        found = _integration(d, at, "HTTP", links)
        integrations[found.integration_id] = found
    authorizers = {}
    for at, d in _items(doc, "Authorizers", where):
        authorizers[_text(d, "AuthorizerId", at)] = _text(d, "AuthorizerType", at, "JWT")
    routes = []
    for at, d in _items(doc, "Routes", where):
        _known(
            d,
            (
                "RouteKey",
                "Target",
                "AuthorizationType",
                "AuthorizerId",
                "ApiKeyRequired",
                "RequestModels",
                "RouteId",
            ),
            at,
            "an HTTP API route",
        )
        if d.get("ApiKeyRequired"):
            raise at.key("ApiKeyRequired").refuse(
                "ApiKeyRequired is supported only for WebSocket APIs: HTTP APIs don't support "
                f"API keys or usage plans; API keys are {REST_ONLY}",
                f"{HTTP_ROUTES}; {REST_VS_HTTP}",
            )
        if d.get("RequestModels"):
            raise at.key("RequestModels").refuse(
                "RequestModels are supported only for WebSocket APIs: HTTP APIs don't support "
                f"request validation; request validation is {REST_ONLY}",
                f"{HTTP_ROUTES}; {REST_VS_HTTP}",
            )
        key = _text(d, "RouteKey", at)
        target = _text(d, "Target", at)
        integration_id = target.removeprefix("integrations/")
        if integration_id not in integrations:
            raise at.key("Target").refuse(f"no integration {integration_id!r} in Integrations")
        auth = _text(d, "AuthorizationType", at, "NONE")
        if auth == "JWT" and authorizers.get(_text(d, "AuthorizerId", at, "")) != "JWT":
            raise at.key("AuthorizerId").refuse("a JWT route needs a JWT authorizer of this API")
        method, _, path = key.partition(" ") if key != "$default" else ("", "", "$default")
        routes.append(Route(method, path, integrations[integration_id], jwt=auth == "JWT"))
    stages = tuple(_text(s, "StageName", at) for at, s in _items(doc, "Stages", where)) or (
        "$default",
    )
    return Api(api_id, "HTTP", _text(doc, "Region", where, region), stages, tuple(routes))


def _rest_api(
    doc: Mapping[str, Any], where: Where, region: str, links: Mapping[str, VpcLink]
) -> Api:
    _known(
        doc,
        (
            "id",
            "name",
            "region",
            "endpointConfiguration",
            "stages",
            "resources",
            "authorizers",
            "requestValidators",
            "usagePlans",
        ),
        where,
        "a REST API",
    )
    authorizers = {
        _text(d, "id", at): _text(d, "type", at) for at, d in _items(doc, "authorizers", where)
    }
    validators = {_text(d, "id", at) for at, d in _items(doc, "requestValidators", where)}
    routes = []
    for at, res in _items(doc, "resources", where):
        path = _text(res, "path", at)
        methods = as_mapping(res.get("resourceMethods", {}), at.key("resourceMethods"))
        for method, spec in methods.items():
            mat = at.key(f"resourceMethods.{method}")
            m = as_mapping(spec, mat)
            _known(
                m,
                (
                    "apiKeyRequired",
                    "authorizationType",
                    "authorizerId",
                    "requestValidatorId",
                    "methodIntegration",
                ),
                mat,
                "a REST API method",
            )
            integration = _integration(
                as_mapping(m.get("methodIntegration", {}), mat.key("methodIntegration")),
                mat.key("methodIntegration"),
                "REST",
                links,
            )
            auth = _text(m, "authorizationType", mat, "NONE")
            if auth == "JWT":
                raise mat.key("authorizationType").refuse(
                    "REST APIs have no JWT authorizer type: use COGNITO_USER_POOLS or a Lambda "
                    "authorizer (CUSTOM)",
                    REST_VS_HTTP,
                )
            if (
                auth == "COGNITO_USER_POOLS"
                and authorizers.get(_text(m, "authorizerId", mat, "")) != "COGNITO_USER_POOLS"
            ):
                raise mat.key("authorizerId").refuse(
                    "needs a COGNITO_USER_POOLS authorizer of this API"
                )
            validator = _text(m, "requestValidatorId", mat, "")
            if validator and validator not in validators:
                raise mat.key("requestValidatorId").refuse(f"no request validator {validator!r}")
            routes.append(
                Route(
                    str(method),
                    path,
                    integration,
                    jwt=auth == "COGNITO_USER_POOLS",
                    api_key=bool(m.get("apiKeyRequired")),
                    validates=bool(validator),
                )
            )
    keys: list[str] = []
    for at, plan in _items(doc, "usagePlans", where):
        keys.extend(str(k) for k in as_list(plan.get("apiKeys", []), at.key("apiKeys")))
    stages = tuple(_text(s, "stageName", at) for at, s in _items(doc, "stages", where))
    if not stages:
        raise where.key("stages").refuse("a REST API is called through a deployed stage")
    return Api(
        _text(doc, "id", where),
        "REST",
        _text(doc, "region", where, region),
        stages,
        tuple(routes),
        tuple(keys),
    )


def _web_acl(doc: Mapping[str, Any], where: Where, region: str) -> WebAcl:
    _known(
        doc,
        ("Name", "Scope", "Region", "DefaultAction", "Rules", "ARN", "VisibilityConfig"),
        where,
        "a web ACL",
    )
    name = _text(doc, "Name", where)
    scope = _text(doc, "Scope", where)
    if scope not in ("REGIONAL", "CLOUDFRONT"):
        raise where.key("Scope").refuse(f"{scope!r}: use REGIONAL or CLOUDFRONT")
    acl_region = _text(doc, "Region", where, region)
    if scope == "CLOUDFRONT" and acl_region != "us-east-1":
        raise where.key("Region").refuse(
            "a web ACL with CLOUDFRONT scope is created in US East (N. Virginia), us-east-1",
            WAF_RESOURCES,
        )
    default = as_mapping(doc.get("DefaultAction", {"Allow": {}}), where.key("DefaultAction"))
    rules = []
    for at, r in _items(doc, "Rules", where):
        statement = as_mapping(r.get("Statement", {}), at.key("Statement"))
        kind, limit = "other", 0
        if "RateBasedStatement" in statement:
            rate = as_mapping(
                statement["RateBasedStatement"], at.key("Statement.RateBasedStatement")
            )
            limit = as_int(rate.get("Limit", 0), at.key("Statement.RateBasedStatement.Limit"))
            if not 10 <= limit <= 2_000_000_000:
                raise at.key("Statement.RateBasedStatement.Limit").refuse(
                    f"{limit}: Limit must be between 10 and 2,000,000,000", WAF_RATE
                )
            window = as_int(
                rate.get("EvaluationWindowSec", 300),
                at.key("Statement.RateBasedStatement.EvaluationWindowSec"),
            )
            if window not in (60, 120, 300, 600):
                raise at.key("Statement.RateBasedStatement.EvaluationWindowSec").refuse(
                    f"{window}: valid settings are 60 (1 minute), 120 (2 minutes), "
                    "300 (5 minutes), and 600 (10 minutes), and 300 (5 minutes) is the default",
                    WAF_RATE,
                )
            if window != 300:
                # A rule with another window would be judged against a five-minute count.
                raise at.key("Statement.RateBasedStatement.EvaluationWindowSec").refuse(
                    f"{window}: ecsprep counts requests per five minutes (ratePerFiveMinutes); "
                    "only the default 300-second evaluation window is modelled"
                )
            if rate.get("AggregateKeyType", "IP") != "IP":
                raise at.key("Statement.RateBasedStatement.AggregateKeyType").refuse(
                    "only AggregateKeyType IP is modelled"
                )
            kind = "rate"
        elif "SqliMatchStatement" in statement:
            kind = "sqli"
        elif "ManagedRuleGroupStatement" in statement:
            group = as_mapping(
                statement["ManagedRuleGroupStatement"],
                at.key("Statement.ManagedRuleGroupStatement"),
            )
            kind = "sqli" if group.get("Name") in SQLI_RULE_GROUPS else "other"
        if "OverrideAction" in r:
            override = as_mapping(r["OverrideAction"], at.key("OverrideAction"))
            action = "Count" if "Count" in override else "Block"  # None: the group's own Block
        else:
            action_doc = as_mapping(r.get("Action", {"Block": {}}), at.key("Action"))
            action = next(iter(action_doc), "Block")
        rules.append(
            WafRule(
                _text(r, "Name", at),
                as_int(r.get("Priority", 0), at.key("Priority")),
                kind,
                str(action),
                limit,
            )
        )
    return WebAcl(
        name, scope, acl_region, "Block" in default, tuple(sorted(rules, key=lambda r: r.priority))
    )


def _acl_name(value: str) -> str:
    # arn:aws:wafv2:REGION:ACCOUNT:SCOPE/webacl/NAME/ID, or the name itself
    if value.startswith("arn:"):
        parts = value.split(":", 5)[-1].split("/")
        return parts[2] if len(parts) > 2 else value
    return value


def _associate(
    doc: Mapping[str, Any],
    where: Where,
    acls: Mapping[str, WebAcl],
    lbs: Mapping[str, LoadBalancer],
    apis: Mapping[str, Api],
) -> tuple[str, str]:
    """AssociateWebACL: (resource key, web ACL name), or AWS's refusal."""
    _known(doc, ("WebACLArn", "ResourceArn"), where, "an AssociateWebACL request")
    acl_name = _acl_name(_text(doc, "WebACLArn", where))
    if acl_name not in acls:
        raise where.key("WebACLArn").refuse(f"no web ACL {acl_name!r} in webAcls")
    acl = acls[acl_name]
    resource = _text(doc, "ResourceArn", where)
    if acl.scope == "CLOUDFRONT":
        raise where.key("ResourceArn").refuse(
            "a web ACL with CLOUDFRONT scope protects CloudFront distributions only; associate it "
            "through the distribution's WebACLId. Regional resources need a REGIONAL web ACL in "
            "their own Region",
            WAF_RESOURCES,
        )
    region = arn_region(resource)
    if ":elasticloadbalancing:" in resource:
        name = arn_name(resource)
        if name not in lbs:
            raise where.key("ResourceArn").refuse(f"no load balancer {name!r} in loadBalancers")
        if lbs[name].kind not in WAF_REGIONAL_TYPES:
            raise where.key("ResourceArn").refuse(
                "AWS WAF protects Application Load Balancers, not Network Load Balancers",
                WAF_RESOURCES,
            )
        key, region = f"lb:{name}", region or lbs[name].region
    elif ":apigateway:" in resource and "/restapis/" in resource:
        api_id = resource.split("/restapis/")[1].split("/")[0]
        key = f"api:{api_id}"
    elif ":apigateway:" in resource and "/apis/" in resource:
        raise where.key("ResourceArn").refuse(
            "AWS WAF can't be associated with an HTTP API; AWS WAF integration is "
            f"{REST_ONLY}: REST API stages are the API Gateway resources it protects",
            f"{REST_VS_HTTP}; {WAF_RESOURCES}",
        )
    else:
        # AppSync, Cognito user pools, App Runner, Verified Access, Amplify and AgentCore
        # Gateway are protected by AWS WAF too (how-aws-waf-works-resources.html): not modelled,
        # which is not AWS refusing them.
        raise where.key("ResourceArn").refuse(
            "ecsprep models web ACL associations with load balancers and API Gateway stages only "
            "(AWS WAF also protects AppSync, Cognito user pools, App Runner, Verified Access and "
            "Amplify, which ecsprep doesn't simulate): give the ARN of an ALB or a REST API stage"
        )
    if region and region != acl.region:
        raise where.key("ResourceArn").refuse(
            f"the web ACL is in {acl.region} and the resource in {region}: a web ACL and the "
            "resources it uses must be in the Region of the resource it protects",
            WAF_RESOURCES,
        )
    if key.startswith("api:") and key[4:] in apis and apis[key[4:]].protocol != "REST":
        raise where.key("ResourceArn").refuse(
            f"AWS WAF can't be associated with an HTTP API; AWS WAF integration is {REST_ONLY}",
            REST_VS_HTTP,
        )
    return key, acl_name


def _distribution(
    doc: Mapping[str, Any],
    where: Where,
    acls: Mapping[str, WebAcl],
    vpc_origins: Mapping[str, str],
    oacs: Mapping[str, str],
    lbs: Mapping[str, LoadBalancer],
) -> Distribution:
    _known(doc, ("Id", "DomainName", "DistributionConfig"), where, "a distribution")
    dist_id = _text(doc, "Id", where)
    config = as_mapping(doc.get("DistributionConfig", {}), where.key("DistributionConfig"))
    cat = where.key("DistributionConfig")
    origins_doc = as_mapping(config.get("Origins", {}), cat.key("Origins"))
    origins = _items(origins_doc, "Items", cat.key("Origins"))
    if not origins:
        raise cat.key("Origins.Items").refuse("a distribution needs an origin")
    behavior = as_mapping(config.get("DefaultCacheBehavior", {}), cat.key("DefaultCacheBehavior"))
    target = _text(
        behavior,
        "TargetOriginId",
        cat.key("DefaultCacheBehavior"),
        _text(origins[0][1], "Id", origins[0][0]),
    )
    chosen = None
    for oat, o in origins:
        if _text(o, "Id", oat) != target:
            continue
        headers_doc = as_mapping(o.get("CustomHeaders", {}), oat.key("CustomHeaders"))
        headers = tuple(
            (_text(h, "HeaderName", hat).lower(), _text(h, "HeaderValue", hat))
            for hat, h in _items(headers_doc, "Items", oat.key("CustomHeaders"))
        )
        vpc = ""
        if "VpcOriginConfig" in o:
            vo = as_mapping(o["VpcOriginConfig"], oat.key("VpcOriginConfig"))
            vo_id = _text(vo, "VpcOriginId", oat.key("VpcOriginConfig"))
            if vo_id not in vpc_origins:
                raise oat.key("VpcOriginConfig.VpcOriginId").refuse(
                    f"no VPC origin {vo_id!r} in vpcOrigins"
                )
            vpc = vpc_origins[vo_id]
        domain = _text(o, "DomainName", oat).lower()
        oac = _text(o, "OriginAccessControlId", oat, "")
        if oac:
            kind = oacs.get(oac, "")
            on_lb = any(lb.dns == domain for lb in lbs.values()) or bool(vpc)
            if not kind:
                raise oat.key("OriginAccessControlId").refuse(f"no origin access control {oac!r}")
            if on_lb or kind not in OAC_ORIGIN_TYPES:
                raise oat.key("OriginAccessControlId").refuse(
                    "origin access control signs requests to Amazon S3, Lambda function URL, "
                    "MediaStore and MediaPackage v2 origins; a load balancer origin can't use it",
                    CF_OAC,
                )
        chosen = Origin(target, domain, headers, vpc)
    if chosen is None:
        raise cat.key("DefaultCacheBehavior.TargetOriginId").refuse(f"no origin {target!r}")
    acl = _acl_name(_text(config, "WebACLId", cat, ""))
    if acl:
        if acl not in acls:
            raise cat.key("WebACLId").refuse(f"no web ACL {acl!r} in webAcls")
        if acls[acl].scope != "CLOUDFRONT":
            raise cat.key("WebACLId").refuse(
                f"web ACL {acl!r} has REGIONAL scope ({acls[acl].region}): a distribution uses a "
                "web ACL with CLOUDFRONT scope, created in US East (N. Virginia)",
                WAF_RESOURCES,
            )
    domain = _text(doc, "DomainName", where, f"{dist_id.lower()}.cloudfront.net").lower()
    return Distribution(dist_id, domain, chosen, acl)


def _request(doc: Mapping[str, Any], where: Where, i: int) -> Request:
    _known(
        doc,
        (
            "name",
            "url",
            "sourceIp",
            "headers",
            "apiKey",
            "jwt",
            "sqlInjection",
            "ratePerFiveMinutes",
            "validBody",
        ),
        where,
        "a request",
    )
    url = _text(doc, "url", where)
    match = re.fullmatch(r"(https?)://([^/:]+)(?::(\d+))?(/[^?#]*)?", url)
    if not match:
        raise where.key("url").refuse(
            f"{url!r} isn't an http(s) URL", "e.g. https://d111.cloudfront.net/"
        )
    scheme, host, port, path = match.groups()
    headers_doc = as_mapping(doc.get("headers", {}), where.key("headers"))
    source = _text(doc, "sourceIp", where, DEFAULT_CLIENT_IP)
    try:
        ipaddress.ip_address(source)
    except ValueError:
        raise where.key("sourceIp").refuse(f"{source!r} isn't an IP address") from None
    jwt = _text(doc, "jwt", where, "missing")
    if jwt not in ("valid", "invalid", "missing"):
        raise where.key("jwt").refuse(f"{jwt!r}: use valid, invalid or missing")
    return Request(
        name=_text(doc, "name", where, f"request-{i + 1}"),
        url=url,
        host=host.lower(),
        path=path or "/",
        port=int(port) if port else (443 if scheme == "https" else 80),
        source_ip=source,
        headers=tuple((str(k).lower(), str(v)) for k, v in headers_doc.items()),
        api_key=_text(doc, "apiKey", where, ""),
        jwt=jwt,
        sqli=bool(doc.get("sqlInjection", False)),
        rate=as_int(doc.get("ratePerFiveMinutes", 1), where.key("ratePerFiveMinutes"), minimum=1),
        valid_body=bool(doc.get("validBody", True)),
    )


def read_setup(document: Mapping[str, Any], where: Where) -> Setup:
    _known(document, _TOP, where, "a front-door scenario")
    region = _text(document, "region", where, "us-east-1")
    lbs = {}
    for at, d in _items(document, "loadBalancers", where):
        lb = _load_balancer(d, at, region)
        lbs[lb.name] = lb
    tgs = []
    for at, d in _items(document, "targetGroups", where):
        _known(
            d,
            ("TargetGroupName", "TargetGroupArn", "TargetType", "service", "Targets"),
            at,
            "a target group",
        )
        kind = _text(d, "TargetType", at, "ip")
        alb = ""
        if kind == "alb":
            targets = _items(d, "Targets", at)
            if len(targets) != 1:
                raise at.key("Targets").refuse(
                    "a target group of type alb has one ALB target", NLB_ALB_TARGET
                )
            alb = arn_name(_text(targets[0][1], "Id", targets[0][0]))
            if alb not in lbs or lbs[alb].kind != "application":
                raise (
                    targets[0][0]
                    .key("Id")
                    .refuse(f"no Application Load Balancer {alb!r}", NLB_ALB_TARGET)
                )
        tgs.append(
            TargetGroup(_text(d, "TargetGroupName", at), kind, _text(d, "service", at, ""), alb)
        )
    for lb in lbs.values():
        for listener in lb.listeners:
            for action in (listener.default, *(r.action for r in listener.rules)):
                tg = next((t for t in tgs if t.name == action.target_group), None)
                if action.kind == "forward" and tg is None:
                    raise where.key("loadBalancers").refuse(
                        f"{lb.name}: no target group {action.target_group!r}"
                    )
                if tg and tg.target_type == "alb" and lb.kind != "network":
                    raise where.key("loadBalancers").refuse(
                        f"{lb.name}: only a Network Load Balancer forwards to a target group "
                        "of type alb",
                        NLB_ALB_TARGET,
                    )
    sgs = tuple(_security_group(d, at) for at, d in _items(document, "securityGroups", where))
    cloud_map = []
    for at, d in _items(document, "cloudMapServices", where):
        _known(
            d,
            ("Id", "Name", "service", "NamespaceName", "NamespaceType"),
            at,
            "a Cloud Map service",
        )
        kind = _text(d, "NamespaceType", at, "DNS_PRIVATE")
        if kind not in ("DNS_PRIVATE", "DNS_PUBLIC", "HTTP"):
            raise at.key("NamespaceType").refuse(f"{kind!r}: use DNS_PRIVATE, DNS_PUBLIC or HTTP")
        cloud_map.append(
            CloudMapService(
                _text(d, "Id", at),
                _text(d, "Name", at, ""),
                _text(d, "service", at, ""),
                _text(d, "NamespaceName", at, "").lower(),
                kind,
            )
        )
    links = {}
    for at, d in _items(document, "vpcLinks", where):
        _known(
            d,
            ("VpcLinkId", "VpcLinkVersion", "TargetArns", "SubnetIds", "SecurityGroupIds", "Name"),
            at,
            "a VPC link",
        )
        version = _text(d, "VpcLinkVersion", at, "V2")
        link_targets = tuple(
            arn_name(str(t)) for t in as_list(d.get("TargetArns", []), at.key("TargetArns"))
        )
        if version == "V1":
            first = link_targets[0] if len(link_targets) == 1 else ""
            if first not in lbs or lbs[first].kind != "network":
                raise at.key("TargetArns").refuse(
                    "a VPC link V1 targets one Network Load Balancer", REST_VPC_V1
                )
        elif version != "V2":
            raise at.key("VpcLinkVersion").refuse(f"{version!r}: use V2 or V1")
        links[_text(d, "VpcLinkId", at)] = VpcLink(_text(d, "VpcLinkId", at), version, link_targets)
    apis = {}
    for at, d in _items(document, "httpApis", where):
        api = _http_api(d, at, region, links)
        apis[api.api_id] = api
    for at, d in _items(document, "restApis", where):
        api = _rest_api(d, at, region, links)
        apis[api.api_id] = api
    acls = {}
    for at, d in _items(document, "webAcls", where):
        acl = _web_acl(d, at, region)
        acls[acl.name] = acl
    protects = []
    for at, d in _items(document, "associations", where):
        protects.append(_associate(d, at, acls, lbs, apis))
    vpc_origins = {}
    for at, d in _items(document, "vpcOrigins", where):
        config = as_mapping(d.get("VpcOriginEndpointConfig", {}), at.key("VpcOriginEndpointConfig"))
        arn = _text(config, "Arn", at.key("VpcOriginEndpointConfig"))
        name = arn_name(arn)
        if name not in lbs:
            raise at.key("VpcOriginEndpointConfig.Arn").refuse(
                f"no load balancer {name!r}: a VPC origin is an ALB, an NLB or an EC2 instance",
                CF_VPC_ORIGINS,
            )
        vpc_origins[_text(d, "Id", at)] = name
    oacs = {}
    for at, d in _items(document, "originAccessControls", where):
        config = as_mapping(
            d.get("OriginAccessControlConfig", {}), at.key("OriginAccessControlConfig")
        )
        oacs[_text(d, "Id", at)] = _text(
            config, "OriginAccessControlOriginType", at.key("OriginAccessControlConfig")
        )
    dists = tuple(
        _distribution(d, at, acls, vpc_origins, oacs, lbs)
        for at, d in _items(document, "distributions", where)
    )
    requests = tuple(
        _request(d, at, i) for i, (at, d) in enumerate(_items(document, "requests", where))
    )
    return Setup(
        description=_text(document, "description", where, ""),
        region=region,
        load_balancers=tuple(lbs.values()),
        target_groups=tuple(tgs),
        security_groups=sgs,
        cloud_map=tuple(cloud_map),
        vpc_links=tuple(links.values()),
        apis=tuple(apis.values()),
        web_acls=tuple(acls.values()),
        protects=tuple(protects),
        distributions=dists,
        requests=requests,
    )


# --------------------------------------------------------------------------- run


@dataclass(frozen=True, slots=True)
class Trip:
    """One request's way through the front doors."""

    request: Request
    decisions: tuple[Decision, ...]
    reached: str  # the ECS service, or ""
    status: int
    blocked_by: str = ""  # waf | security-group | listener-rule | api-key | authorizer | ...
    blocked_at: str = ""  # cloudfront | api-gateway | alb | nlb | network
    backend_path: str = ""


@dataclass(frozen=True, slots=True)
class Run:
    setup: Setup
    trips: tuple[Trip, ...]
    notes: tuple[str, ...] = ()

    def facts(self) -> dict[str, object]:
        return {
            "reaches": {t.request.name: t.reached or False for t in self.trips},
            "status": {t.request.name: t.status for t in self.trips},
            "blocked_by": {t.request.name: t.blocked_by for t in self.trips if t.blocked_by},
            "blocked_at": {t.request.name: t.blocked_at for t in self.trips if t.blocked_at},
            "backend_path": {t.request.name: t.backend_path for t in self.trips if t.backend_path},
            "hops": {t.request.name: _hops(t) for t in self.trips},
            "load_balancers": len(self.setup.load_balancers),
            "public_endpoints": sorted(
                lb.name for lb in self.setup.load_balancers if lb.scheme == "internet-facing"
            ),
            "origin_secrets": sum(len(d.origin.headers) for d in self.setup.distributions),
        }


def _hops(trip: Trip) -> list[str]:
    return list(dict.fromkeys(d.hop for d in trip.decisions))


@dataclass
class _Walk:
    setup: Setup
    request: Request
    decisions: list[Decision] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def say(
        self, hop: str, verdict: Verdict, what: str, rule: str = "", inferred: bool = False
    ) -> None:
        self.decisions.append(Decision(hop, verdict, what, rule, inferred))

    def end(
        self, status: int, *, by: str = "", at: str = "", reached: str = "", path: str = ""
    ) -> Trip:
        return Trip(self.request, tuple(self.decisions), reached, status, by, at, path)


def run(setup: Setup) -> Run:
    trips = tuple(_trip(setup, r) for r in setup.requests)
    notes = []
    if any(d.inferred for t in trips for d in t.decisions):
        notes.append("INF marks a choice the AWS docs leave open (docs/front-door.md)")
    return Run(setup, trips, tuple(notes))


def _trip(setup: Setup, request: Request) -> Trip:
    walk = _Walk(setup, request, headers=dict(request.headers))
    host = request.host
    for dist in setup.distributions:
        if host in (dist.domain, f"{dist.dist_id.lower()}.cloudfront.net"):
            return _at_distribution(walk, dist)
    api_host = re.fullmatch(r"([a-z0-9]+)\.execute-api\.([a-z0-9-]+)\.amazonaws\.com", host)
    if api_host:
        api = next((a for a in setup.apis if a.api_id == api_host.group(1)), None)
        if api is not None:
            return _at_api(walk, api)
    lb = next((lb for lb in setup.load_balancers if lb.dns == host), None)
    if lb is not None:
        return _at_load_balancer(walk, lb, request.path, request.source_ip, from_internet=True)
    walk.say("DNS", Verdict.FAIL, f"{host} names no front door in the scenario")
    return walk.end(502, by="dns", at="network")


def _waf(walk: _Walk, acl: WebAcl, hop: str, at: str) -> Trip | None:
    request = walk.request
    for rule in acl.rules:
        matched = (rule.kind == "sqli" and request.sqli) or (
            rule.kind == "rate" and request.rate > rule.limit
        )
        if not matched:
            continue
        if rule.action == "Count":
            walk.say(
                hop,
                Verdict.ACCEPT,
                f"web ACL {acl.name}: rule {rule.name} matches and counts",
                WAF_BLOCK,
            )
            continue
        if rule.action == "Block":
            why = (
                f"{request.rate} requests from {request.source_ip} in 5 minutes exceed "
                f"its limit {rule.limit}"
                if rule.kind == "rate"
                else "the request carries SQL injection"
            )
            walk.say(
                hop,
                Verdict.BLOCK,
                f"web ACL {acl.name}: rule {rule.name} blocks ({why}): 403",
                WAF_RATE if rule.kind == "rate" else WAF_SQLI,
                inferred=rule.kind == "rate",
            )
            return walk.end(403, by="waf", at=at)
        walk.say(hop, Verdict.ACCEPT, f"web ACL {acl.name}: rule {rule.name} allows", WAF_BLOCK)
        return None
    if acl.default_block:
        walk.say(
            hop,
            Verdict.BLOCK,
            f"web ACL {acl.name}: no rule matches; default action Block: 403",
            WAF_BLOCK,
        )
        return walk.end(403, by="waf", at=at)
    walk.say(
        hop, Verdict.ACCEPT, f"web ACL {acl.name}: no rule blocks; default action Allow", WAF_BLOCK
    )
    return None


def _protecting(setup: Setup, key: str) -> WebAcl | None:
    for resource, name in setup.protects:
        if resource == key:
            return next(a for a in setup.web_acls if a.name == name)
    return None


def _at_distribution(walk: _Walk, dist: Distribution) -> Trip:
    hop = f"CloudFront {dist.dist_id}"
    walk.say(hop, Verdict.ACCEPT, f"viewer request for {walk.request.path}")
    if dist.web_acl:
        acl = next(a for a in walk.setup.web_acls if a.name == dist.web_acl)
        stopped = _waf(walk, acl, hop, "cloudfront")
        if stopped:
            return stopped
    for name, value in dist.origin.headers:
        walk.headers[name] = value
    if dist.origin.headers:
        names = ", ".join(n for n, _ in dist.origin.headers)
        walk.say(hop, Verdict.FORWARD, f"adds custom origin header(s) {names}", CF_LOCK_ALB)
    if dist.origin.vpc_origin:
        origin = next(x for x in walk.setup.load_balancers if x.name == dist.origin.vpc_origin)
        walk.say(
            hop,
            Verdict.FORWARD,
            f"to VPC origin {origin.name} ({origin.scheme}) over CloudFront's private connection "
            "into the VPC",
            CF_VPC_ORIGINS,
        )
        return _at_load_balancer(walk, origin, walk.request.path, "vpc-origin", from_internet=False)
    lb = next((lb for lb in walk.setup.load_balancers if lb.dns == dist.origin.domain), None)
    private = next(
        (
            c
            for c in walk.setup.cloud_map
            if c.namespace
            and c.namespace_type != "DNS_PUBLIC"
            and (
                dist.origin.domain == c.namespace or dist.origin.domain.endswith("." + c.namespace)
            )
        ),
        None,
    )
    if lb is None and private is not None:
        walk.say(
            hop,
            Verdict.FAIL,
            f"origin {dist.origin.domain} is in the Cloud Map namespace {private.namespace} "
            f"({private.namespace_type}): its names are answered only inside the VPC, not to "
            "CloudFront on the internet: 502",
            CLOUD_MAP_NAMESPACES,
            inferred=True,
        )
        return walk.end(502, by="network", at="cloudfront")
    if lb is None:
        walk.say(
            hop,
            Verdict.FAIL,
            f"origin {dist.origin.domain} isn't a load balancer of the scenario: 502",
            inferred=True,
        )
        return walk.end(502, by="origin", at="cloudfront")
    if lb.scheme == "internal":
        walk.say(
            hop,
            Verdict.FAIL,
            f"custom origin {lb.dns} is an internal load balancer: its DNS name "
            "resolves to private "
            "addresses CloudFront can't reach over the internet (use a VPC origin): 502",
            f"{CF_LOCK_ALB}; {ELB_SCHEME}",
            inferred=True,
        )
        return walk.end(502, by="network", at="cloudfront")
    walk.say(
        hop,
        Verdict.FORWARD,
        f"to custom origin {lb.dns} from an origin-facing server "
        f"({CLOUDFRONT_ORIGIN_FACING_IP}, INF)",
        CF_PREFIX_LIST,
        inferred=True,
    )
    return _at_load_balancer(
        walk, lb, walk.request.path, CLOUDFRONT_ORIGIN_FACING_IP, from_internet=True
    )


def _admits(setup: Setup, lb: LoadBalancer, source: str, port: int) -> tuple[bool, str]:
    groups = [g for g in setup.security_groups if g.group_id in lb.security_groups]
    address = ipaddress.ip_address(source)
    cloudfront = address in ipaddress.ip_network("130.176.0.0/18")
    for group in groups:
        for perm in group.inbound:
            if not perm.from_port <= port <= perm.to_port:
                continue
            for cidr in perm.cidrs:
                if address in ipaddress.ip_network(cidr, strict=False):
                    return True, f"{group.group_id} allows {cidr} on port {port}"
            for plist in perm.prefix_lists:
                if cloudfront and plist in CLOUDFRONT_PREFIX_LISTS:
                    return True, f"{group.group_id} allows prefix list {plist} on port {port}"
    return (
        False,
        f"no inbound rule of {', '.join(lb.security_groups)} allows {source} on port {port}",
    )


def _at_load_balancer(
    walk: _Walk, lb: LoadBalancer, path: str, source: str, *, from_internet: bool
) -> Trip:
    hop = lb.label
    at = "alb" if lb.kind == "application" else "nlb"
    if from_internet and lb.scheme == "internal":
        walk.say(
            hop,
            Verdict.FAIL,
            f"{lb.dns} is internal: it routes requests only from clients with access to the VPC",
            ELB_SCHEME,
        )
        return walk.end(0, by="network", at="network")
    port = walk.request.port
    if source in ("vpc-origin", "vpc-link", "nlb"):
        # From inside the VPC the hop before picks the listener (a listener ARN, the VPC
        # origin's port): INF, the only listener, else port 80 (private integrations use
        # HTTP by default).
        port = lb.listeners[0].port if len(lb.listeners) == 1 else 80
        what = {"vpc-origin": "CloudFront's VPC origin", "vpc-link": "the VPC link"}.get(
            source, "the Network Load Balancer"
        )
        walk.say(
            hop,
            Verdict.ACCEPT,
            f"from {what}: ecsprep assumes its security groups admit it, as the docs instruct",
            {"vpc-origin": CF_VPC_ORIGINS, "vpc-link": HTTP_PRIVATE}.get(source, NLB_ALB_TARGET),
            inferred=True,
        )
    elif lb.security_groups:
        ok, why = _admits(walk.setup, lb, source, port)
        if not ok:
            walk.say(hop, Verdict.BLOCK, f"security group drops the connection: {why}", SG_RULES)
            return walk.end(0, by="security-group", at=at)
        walk.say(hop, Verdict.ACCEPT, f"security group: {why}", SG_RULES)
    acl = _protecting(walk.setup, f"lb:{lb.name}")
    if acl is not None:
        stopped = _waf(walk, acl, hop, at)
        if stopped:
            return stopped
    listener = next((li for li in lb.listeners if li.port == port), None)
    if listener is None:
        walk.say(hop, Verdict.BLOCK, f"no listener on port {port}")
        return walk.end(0, by="no-listener", at=at)
    action, why = listener.default, "default action"
    if lb.kind == "application":
        for rule in listener.rules:
            if all(_condition(c, walk, path) for c in rule.conditions):
                action, why = rule.action, f"rule priority {rule.priority} matches"
                break
    if action.kind == "fixed-response":
        walk.say(
            hop, Verdict.BLOCK, f"listener {port}: {why}: fixed response {action.status}", ELB_RULES
        )
        return walk.end(action.status, by="listener-rule", at=at, path=path)
    tg = next(t for t in walk.setup.target_groups if t.name == action.target_group)
    if tg.target_type == "alb":
        walk.say(
            hop,
            Verdict.FORWARD,
            f"listener {port}: {why}: forward to {tg.name} (type alb)",
            NLB_ALB_TARGET,
        )
        alb = next(x for x in walk.setup.load_balancers if x.name == tg.alb)
        return _through_nlb(walk, alb, path)
    walk.say(hop, Verdict.FORWARD, f"listener {port}: {why}: forward to {tg.name}", ELB_RULES)
    walk.say(
        f"ECS service {tg.service}",
        Verdict.REACH,
        f"a task of {tg.service} answers {path}",
        inferred=True,
    )
    return walk.end(200, reached=tg.service, path=path)


def _through_nlb(walk: _Walk, alb: LoadBalancer, path: str) -> Trip:
    # An NLB forwarding to its ALB target: the ALB's security group must admit the NLB
    # (INF: ecsprep assumes it does, as the NLB-to-ALB docs instruct).
    return _at_load_balancer(walk, alb, path, "nlb", from_internet=False)


def _condition(cond: Condition, walk: _Walk, path: str) -> bool:
    if cond.field == "http-header":
        value = walk.headers.get(cond.name.lower())
        return value is not None and any(_glob(v, value, case=False) for v in cond.values)
    if cond.field == "path-pattern":
        return any(_glob(v, path, case=True) for v in cond.values)
    return any(_glob(v, walk.request.host, case=False) for v in cond.values)


def _glob(pattern: str, value: str, *, case: bool) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, 0 if case else re.IGNORECASE) is not None


def _match_route(api: Api, method: str, path: str) -> tuple[Route | None, str]:
    """The route for a path (without the stage) and its greedy remainder."""
    best = None
    for route in api.routes:
        if route.path == "$default":
            best = best or (route, path.lstrip("/"))
            continue
        if route.method not in ("ANY", method):
            continue
        pattern = "^" + re.sub(r"\\\{[^}]+\\\+\\\}", "(?P<greedy>.+)", re.escape(route.path))
        pattern = re.sub(r"\\\{[^}+]+\\\}", "[^/]+", pattern) + "$"
        found = re.match(pattern, path)
        if found:
            return route, found.groupdict().get("greedy") or ""
    return best if best else (None, "")


def _at_api(walk: _Walk, api: Api) -> Trip:
    hop = api.label
    path = walk.request.path
    stage = ""
    if api.stages != ("$default",):
        first, _, rest = path.lstrip("/").partition("/")
        if first not in api.stages:
            walk.say(hop, Verdict.BLOCK, f"no stage {first!r}: 404 Not Found", inferred=True)
            return walk.end(404, by="route", at="api-gateway")
        stage, path = first, "/" + rest
    route, greedy = _match_route(api, "GET", path)
    if route is None:
        walk.say(hop, Verdict.BLOCK, f"no route matches {path}: 404 Not Found", inferred=True)
        return walk.end(404, by="route", at="api-gateway")
    walk.say(hop, Verdict.ACCEPT, f"stage {stage or '$default'}, route {route.method} {route.path}")
    acl = _protecting(walk.setup, f"api:{api.api_id}")
    if acl is not None:
        stopped = _waf(walk, acl, hop, "api-gateway")
        if stopped:
            return stopped
    if route.api_key and walk.request.api_key not in api.api_keys:
        walk.say(
            hop,
            Verdict.BLOCK,
            "the method requires an API key of a usage plan; the request has none that is "
            "valid: 403 Forbidden",
            API_KEYS,
        )
        return walk.end(403, by="api-key", at="api-gateway")
    if route.jwt and walk.request.jwt != "valid":
        walk.say(
            hop,
            Verdict.BLOCK,
            f"the authorizer rejects the token ({walk.request.jwt}): 401 Unauthorized",
            HTTP_JWT,
        )
        return walk.end(401, by="authorizer", at="api-gateway")
    if route.validates and not walk.request.valid_body:
        walk.say(
            hop,
            Verdict.BLOCK,
            "request validation fails against the model: 400 Bad Request",
            VALIDATION,
        )
        return walk.end(400, by="request-validation", at="api-gateway")
    integration = route.integration
    if api.protocol == "HTTP":
        backend = f"/{stage}{path}" if stage else path
        if integration.overwrite_path:
            backend = integration.overwrite_path.replace("$request.path.proxy", greedy).replace(
                "$request.path", path
            )
            walk.say(
                hop,
                Verdict.FORWARD,
                f"parameter mapping overwrite:path sends {backend}",
                HTTP_MAPPING,
            )
        elif stage and integration.connection == "VPC_LINK":
            walk.say(
                hop,
                Verdict.FORWARD,
                f"private integrations include the stage in the backend path: {backend}",
                HTTP_PRIVATE,
            )
    else:
        uri_path = re.sub(r"^https?://[^/]+", "", integration.uri) or "/"
        backend = uri_path.replace("{proxy}", greedy)
    if integration.connection == "VPC_LINK":
        link = next(v for v in walk.setup.vpc_links if v.link_id == integration.link)
        if api.protocol == "HTTP" and ":servicediscovery:" in integration.uri:
            service_id = integration.uri.rsplit("/", 1)[-1]
            cm = next((c for c in walk.setup.cloud_map if c.service_id == service_id), None)
            if cm is None:
                walk.say(
                    hop, Verdict.FAIL, f"no Cloud Map service {service_id}: 503", inferred=True
                )
                return walk.end(503, by="integration", at="api-gateway")
            walk.say(
                hop,
                Verdict.FORWARD,
                f"through VPC link {link.link_id} (V2) to a task registered in Cloud Map "
                f"service {cm.name or cm.service_id}",
                HTTP_PRIVATE,
            )
            walk.say(
                f"ECS service {cm.service}",
                Verdict.REACH,
                f"a task of {cm.service} answers {backend}",
                inferred=True,
            )
            return walk.end(200, reached=cm.service, path=backend)
        if api.protocol == "HTTP":
            lb_name = arn_name(integration.uri)
        elif link.version == "V2":
            lb_name = arn_name(integration.target)
        else:
            lb_name = link.targets[0]
        lb = next((x for x in walk.setup.load_balancers if x.name == lb_name), None)
        if lb is None:
            walk.say(hop, Verdict.FAIL, f"no load balancer {lb_name}: 500", inferred=True)
            return walk.end(500, by="integration", at="api-gateway")
        rule = (
            HTTP_PRIVATE
            if api.protocol == "HTTP"
            else (REST_PRIVATE if link.version == "V2" else REST_VPC_V1)
        )
        walk.say(
            hop,
            Verdict.FORWARD,
            f"through VPC link {link.link_id} ({link.version}) to {lb.label}",
            rule,
        )
        return _at_load_balancer(walk, lb, backend, "vpc-link", from_internet=False)
    host = re.sub(r"^https?://([^/:]+).*$", r"\1", integration.uri).lower()
    lb = next((x for x in walk.setup.load_balancers if x.dns == host), None)
    if lb is None:
        walk.say(
            hop,
            Verdict.FAIL,
            f"public integration {integration.uri} isn't modelled: 500",
            inferred=True,
        )
        return walk.end(500, by="integration", at="api-gateway")
    walk.say(hop, Verdict.FORWARD, f"HTTP integration over the internet to {lb.dns}", inferred=True)
    if lb.scheme == "internal":
        walk.say(
            lb.label,
            Verdict.FAIL,
            f"{lb.dns} is internal: its DNS name resolves to private addresses a public HTTP "
            "integration can't reach; API Gateway answers 500 (INF)",
            ELB_SCHEME,
            inferred=True,
        )
        return walk.end(500, by="network", at="network")
    return _at_load_balancer(walk, lb, backend, API_GATEWAY_IP, from_internet=True)


def to_json(result: Run) -> dict[str, object]:
    return {
        **result.facts(),
        "requests": [
            {
                "name": t.request.name,
                "url": t.request.url,
                "decisions": [
                    {
                        "hop": d.hop,
                        "verdict": d.verdict.value,
                        "what": d.what,
                        "rule": d.rule,
                        "inferred": d.inferred,
                    }
                    for d in t.decisions
                ],
            }
            for t in result.trips
        ],
        "notes": list(result.notes),
    }
