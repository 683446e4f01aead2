"""The front-door simulator's input: the front doors (load balancers and their
listeners, target groups and security groups; Cloud Map services, VPC links and API Gateway
APIs; web ACLs; CloudFront distributions), the requests to play, and the Setup holding them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ecsprep.sim.ip_permissions import IpPermission


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
class SecurityGroup:
    group_id: str
    inbound: tuple[IpPermission, ...]


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
