"""Reading CloudFront distributions in AWS's shapes: the default cache
behavior's origin, its custom headers, VPC origin, origin access control and web ACL.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecsprep.sim.documents import Where, as_mapping
from ecsprep.sim.front_door.arns import web_acl_name
from ecsprep.sim.front_door.decisions import CF_OAC, OAC_ORIGIN_TYPES, WAF_RESOURCES
from ecsprep.sim.front_door.doors import Distribution, LoadBalancer, Origin, WebAcl
from ecsprep.sim.front_door.shapes import items, known, text


def distribution(
    doc: Mapping[str, Any],
    where: Where,
    acls: Mapping[str, WebAcl],
    vpc_origins: Mapping[str, str],
    oacs: Mapping[str, str],
    lbs: Mapping[str, LoadBalancer],
) -> Distribution:
    known(doc, ("Id", "DomainName", "DistributionConfig"), where, "a distribution")
    dist_id = text(doc, "Id", where)
    config = as_mapping(doc.get("DistributionConfig", {}), where.key("DistributionConfig"))
    cat = where.key("DistributionConfig")
    origins_doc = as_mapping(config.get("Origins", {}), cat.key("Origins"))
    origins = items(origins_doc, "Items", cat.key("Origins"))
    if not origins:
        raise cat.key("Origins.Items").refuse("a distribution needs an origin")
    behavior = as_mapping(config.get("DefaultCacheBehavior", {}), cat.key("DefaultCacheBehavior"))
    target = text(
        behavior,
        "TargetOriginId",
        cat.key("DefaultCacheBehavior"),
        text(origins[0][1], "Id", origins[0][0]),
    )
    chosen = None
    for oat, o in origins:
        if text(o, "Id", oat) != target:
            continue
        headers_doc = as_mapping(o.get("CustomHeaders", {}), oat.key("CustomHeaders"))
        headers = tuple(
            (text(h, "HeaderName", hat).lower(), text(h, "HeaderValue", hat))
            for hat, h in items(headers_doc, "Items", oat.key("CustomHeaders"))
        )
        vpc = ""
        if "VpcOriginConfig" in o:
            vo = as_mapping(o["VpcOriginConfig"], oat.key("VpcOriginConfig"))
            vo_id = text(vo, "VpcOriginId", oat.key("VpcOriginConfig"))
            if vo_id not in vpc_origins:
                raise oat.key("VpcOriginConfig.VpcOriginId").refuse(
                    f"no VPC origin {vo_id!r} in vpcOrigins"
                )
            vpc = vpc_origins[vo_id]
        domain = text(o, "DomainName", oat).lower()
        oac = text(o, "OriginAccessControlId", oat, "")
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
    acl = web_acl_name(text(config, "WebACLId", cat, ""))
    if acl:
        if acl not in acls:
            raise cat.key("WebACLId").refuse(f"no web ACL {acl!r} in webAcls")
        if acls[acl].scope != "CLOUDFRONT":
            raise cat.key("WebACLId").refuse(
                f"web ACL {acl!r} has REGIONAL scope ({acls[acl].region}): a distribution uses a "
                "web ACL with CLOUDFRONT scope, created in US East (N. Virginia)",
                WAF_RESOURCES,
            )
    domain = text(doc, "DomainName", where, f"{dist_id.lower()}.cloudfront.net").lower()
    return Distribution(dist_id, domain, chosen, acl)
