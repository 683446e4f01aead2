"""Reading a front-door scenario (docs/front-door.md) into a Setup: read_setup, the
requests, target groups, Cloud Map services, VPC links, VPC origins and origin access controls,
and the readers of the other shapes.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import Any

from ecsprep.sim.documents import Where, as_int, as_list, as_mapping
from ecsprep.sim.front_door.api_shapes import http_api, rest_api
from ecsprep.sim.front_door.arns import arn_name
from ecsprep.sim.front_door.decisions import (
    CF_VPC_ORIGINS,
    DEFAULT_CLIENT_IP,
    NLB_ALB_TARGET,
    REST_VPC_V1,
)
from ecsprep.sim.front_door.distribution_shapes import distribution
from ecsprep.sim.front_door.doors import CloudMapService, Request, Setup, TargetGroup, VpcLink
from ecsprep.sim.front_door.load_balancer_shapes import load_balancer, security_group
from ecsprep.sim.front_door.shapes import flag, items, known, text
from ecsprep.sim.front_door.web_acl_shapes import associate, web_acl

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


def _request(doc: Mapping[str, Any], where: Where, i: int) -> Request:
    known(
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
    url = text(doc, "url", where)
    # the query string and fragment aren't part of the path (path-pattern conditions compare
    # "only to the path of the URL, not to its query string")
    match = re.fullmatch(r"(https?)://([^/:?#]+)(?::(\d+))?(/[^?#]*)?(?:[?#].*)?", url)
    if not match:
        raise where.key("url").refuse(
            f"{url!r} isn't an http(s) URL", "e.g. https://d111.cloudfront.net/"
        )
    scheme, host, port, path = match.groups()
    if port is not None and not 1 <= int(port) <= 65535:
        raise where.key("url").refuse(f"{url!r}: port {int(port)} isn't a TCP port (1-65535)")
    headers_doc = as_mapping(doc.get("headers", {}), where.key("headers"))
    source = text(doc, "sourceIp", where, DEFAULT_CLIENT_IP)
    try:
        ipaddress.ip_address(source)
    except ValueError:
        raise where.key("sourceIp").refuse(f"{source!r} isn't an IP address") from None
    jwt = text(doc, "jwt", where, "missing")
    if jwt not in ("valid", "invalid", "missing"):
        raise where.key("jwt").refuse(f"{jwt!r}: use valid, invalid or missing")
    return Request(
        name=text(doc, "name", where, f"request-{i + 1}"),
        url=url,
        host=host.lower(),
        path=path or "/",
        port=int(port) if port else (443 if scheme == "https" else 80),
        source_ip=source,
        headers=tuple((str(k).lower(), str(v)) for k, v in headers_doc.items()),
        api_key=text(doc, "apiKey", where, ""),
        jwt=jwt,
        sqli=flag(doc, "sqlInjection", where, False),
        rate=as_int(doc.get("ratePerFiveMinutes", 1), where.key("ratePerFiveMinutes"), minimum=1),
        valid_body=flag(doc, "validBody", where, True),
    )


def read_setup(document: Mapping[str, Any], where: Where) -> Setup:
    known(document, _TOP, where, "a front-door scenario")
    region = text(document, "region", where, "us-east-1")
    lbs = {}
    for at, d in items(document, "loadBalancers", where):
        lb = load_balancer(d, at, region)
        lbs[lb.name] = lb
    tgs = []
    for at, d in items(document, "targetGroups", where):
        known(
            d,
            ("TargetGroupName", "TargetGroupArn", "TargetType", "service", "Targets"),
            at,
            "a target group",
        )
        kind = text(d, "TargetType", at, "ip")
        alb = ""
        if kind == "alb":
            targets = items(d, "Targets", at)
            if len(targets) != 1:
                raise at.key("Targets").refuse(
                    "a target group of type alb has one ALB target", NLB_ALB_TARGET
                )
            alb = arn_name(text(targets[0][1], "Id", targets[0][0]))
            if alb not in lbs or lbs[alb].kind != "application":
                raise (
                    targets[0][0]
                    .key("Id")
                    .refuse(f"no Application Load Balancer {alb!r}", NLB_ALB_TARGET)
                )
        tgs.append(
            TargetGroup(text(d, "TargetGroupName", at), kind, text(d, "service", at, ""), alb)
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
    sgs = tuple(security_group(d, at) for at, d in items(document, "securityGroups", where))
    cloud_map = []
    for at, d in items(document, "cloudMapServices", where):
        known(
            d,
            ("Id", "Name", "service", "NamespaceName", "NamespaceType"),
            at,
            "a Cloud Map service",
        )
        kind = text(d, "NamespaceType", at, "DNS_PRIVATE")
        if kind not in ("DNS_PRIVATE", "DNS_PUBLIC", "HTTP"):
            raise at.key("NamespaceType").refuse(f"{kind!r}: use DNS_PRIVATE, DNS_PUBLIC or HTTP")
        cloud_map.append(
            CloudMapService(
                text(d, "Id", at),
                text(d, "Name", at, ""),
                text(d, "service", at, ""),
                text(d, "NamespaceName", at, "").lower(),
                kind,
            )
        )
    links = {}
    for at, d in items(document, "vpcLinks", where):
        known(
            d,
            ("VpcLinkId", "VpcLinkVersion", "TargetArns", "SubnetIds", "SecurityGroupIds", "Name"),
            at,
            "a VPC link",
        )
        version = text(d, "VpcLinkVersion", at, "V2")
        link_targets = tuple(
            arn_name(str(t)) for t in as_list(d.get("TargetArns", []), at.key("TargetArns"))
        )
        if version == "V1":
            if (
                len(link_targets) != 1
                or link_targets[0] not in lbs
                or lbs[link_targets[0]].kind != "network"
            ):
                raise at.key("TargetArns").refuse(
                    "a VPC link V1 targets one Network Load Balancer", REST_VPC_V1
                )
        elif version != "V2":
            raise at.key("VpcLinkVersion").refuse(f"{version!r}: use V2 or V1")
        links[text(d, "VpcLinkId", at)] = VpcLink(text(d, "VpcLinkId", at), version, link_targets)
    apis = {}
    for at, d in items(document, "httpApis", where):
        api = http_api(d, at, region, links)
        apis[api.api_id] = api
    for at, d in items(document, "restApis", where):
        api = rest_api(d, at, region, links)
        apis[api.api_id] = api
    acls = {}
    for at, d in items(document, "webAcls", where):
        acl = web_acl(d, at, region)
        acls[acl.name] = acl
    protects = []
    for at, d in items(document, "associations", where):
        protects.append(associate(d, at, acls, lbs, apis))
    vpc_origins = {}
    for at, d in items(document, "vpcOrigins", where):
        config = as_mapping(d.get("VpcOriginEndpointConfig", {}), at.key("VpcOriginEndpointConfig"))
        arn = text(config, "Arn", at.key("VpcOriginEndpointConfig"))
        name = arn_name(arn)
        if name not in lbs:
            raise at.key("VpcOriginEndpointConfig.Arn").refuse(
                f"no load balancer {name!r}: a VPC origin is an ALB, an NLB or an EC2 instance",
                CF_VPC_ORIGINS,
            )
        vpc_origins[text(d, "Id", at)] = name
    oacs = {}
    for at, d in items(document, "originAccessControls", where):
        config = as_mapping(
            d.get("OriginAccessControlConfig", {}), at.key("OriginAccessControlConfig")
        )
        oacs[text(d, "Id", at)] = text(
            config, "OriginAccessControlOriginType", at.key("OriginAccessControlConfig")
        )
    dists = tuple(
        distribution(d, at, acls, vpc_origins, oacs, lbs)
        for at, d in items(document, "distributions", where)
    )
    requests = tuple(
        _request(d, at, i) for i, (at, d) in enumerate(items(document, "requests", where))
    )
    return Setup(
        description=text(document, "description", where, ""),
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
