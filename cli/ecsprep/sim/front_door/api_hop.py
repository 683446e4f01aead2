"""A request at an API Gateway API: stage, route, web ACL, API key, authorizer,
request validation, and the integration (a VPC link, a Cloud Map service or the internet).
"""

from __future__ import annotations

import re

from ecsprep.sim.front_door.arns import arn_name
from ecsprep.sim.front_door.decisions import (
    API_GATEWAY_IP,
    API_KEYS,
    ELB_SCHEME,
    HTTP_JWT,
    HTTP_MAPPING,
    HTTP_PRIVATE,
    REST_NO_METHOD,
    REST_PRIVATE,
    REST_VPC_V1,
    VALIDATION,
    Verdict,
)
from ecsprep.sim.front_door.doors import Api, Route
from ecsprep.sim.front_door.load_balancer_hop import at_load_balancer
from ecsprep.sim.front_door.walk import Trip, Walk, protecting, waf


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


def at_api(walk: Walk, api: Api) -> Trip:
    hop = api.label
    path = walk.request.path
    stage = ""
    first, _, rest = path.lstrip("/").partition("/")
    if first in api.stages and first != "$default":
        stage, path = first, "/" + rest
    elif "$default" not in api.stages:
        walk.say(hop, Verdict.BLOCK, f"no stage {first!r}: 404 Not Found", inferred=True)
        return walk.end(404, by="route", at="api-gateway")
    # else the $default stage, "served from the base of your API's URL" (http-api-stages.html)
    route, greedy = _match_route(api, "GET", path)
    if route is None and api.protocol == "REST":
        walk.say(
            hop,
            Verdict.BLOCK,
            f"no method GET on a resource matching {path}: 403 Forbidden "
            '("Missing Authentication Token", the MISSING_AUTHENTICATION_TOKEN gateway response)',
            REST_NO_METHOD,
        )
        return walk.end(403, by="route", at="api-gateway")
    if route is None:
        walk.say(hop, Verdict.BLOCK, f"no route matches {path}: 404 Not Found", inferred=True)
        return walk.end(404, by="route", at="api-gateway")
    walk.say(hop, Verdict.ACCEPT, f"stage {stage or '$default'}, route {route.method} {route.path}")
    acl = protecting(walk.setup, f"api:{api.api_id}")
    if acl is not None:
        stopped = waf(walk, acl, hop, "api-gateway")
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
    if api.protocol == "HTTP" and integration.overwrite_path:
        backend = integration.overwrite_path.replace("$request.path.proxy", greedy).replace(
            "$request.path", path
        )
        walk.say(
            hop,
            Verdict.FORWARD,
            f"parameter mapping overwrite:path sends {backend}",
            HTTP_MAPPING,
        )
    elif api.protocol == "HTTP" and integration.connection == "VPC_LINK":
        backend = f"/{stage}{path}" if stage else path
        if stage:
            walk.say(
                hop,
                Verdict.FORWARD,
                f"private integrations include the stage in the backend path: {backend}",
                HTTP_PRIVATE,
            )
    else:
        # A public HTTP proxy integration (http-api-develop-integrations-http.html) and a REST
        # API integration send the integration URI's path, the greedy {proxy} filled in.
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
            if not cm.service:
                walk.say(
                    hop,
                    Verdict.FAIL,
                    f"no task registered in Cloud Map service {cm.name or cm.service_id}: 503",
                    inferred=True,
                )
                return walk.end(503, by="no-target", at="api-gateway")
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
        return at_load_balancer(walk, lb, backend, "vpc-link", from_internet=False)
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
    return at_load_balancer(walk, lb, backend, API_GATEWAY_IP, from_internet=True)
