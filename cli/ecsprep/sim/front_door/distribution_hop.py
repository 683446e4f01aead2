"""A request at a CloudFront distribution: web ACL, custom origin headers,
and the origin (a VPC origin or a custom origin on the internet).
"""

from __future__ import annotations

from ecsprep.sim.front_door.decisions import (
    CF_LOCK_ALB,
    CF_PREFIX_LIST,
    CF_VPC_ORIGINS,
    CLOUD_MAP_NAMESPACES,
    CLOUDFRONT_ORIGIN_FACING_IP,
    ELB_SCHEME,
    Verdict,
)
from ecsprep.sim.front_door.doors import Distribution
from ecsprep.sim.front_door.load_balancer_hop import at_load_balancer
from ecsprep.sim.front_door.walk import Trip, Walk, waf


def at_distribution(walk: Walk, dist: Distribution) -> Trip:
    hop = f"CloudFront {dist.dist_id}"
    walk.say(hop, Verdict.ACCEPT, f"viewer request for {walk.request.path}")
    if dist.web_acl:
        acl = next(a for a in walk.setup.web_acls if a.name == dist.web_acl)
        stopped = waf(walk, acl, hop, "cloudfront")
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
        return at_load_balancer(walk, origin, walk.request.path, "vpc-origin", from_internet=False)
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
    return at_load_balancer(
        walk, lb, walk.request.path, CLOUDFRONT_ORIGIN_FACING_IP, from_internet=True
    )
