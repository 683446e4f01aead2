"""Reading API Gateway HTTP APIs and REST APIs in AWS's shapes: integrations
(private ones through VPC links), routes and methods, authorizers, validators, usage plans.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ecsprep.sim.documents import Where, as_list, as_mapping
from ecsprep.sim.front_door.decisions import (
    AG,
    HTTP_MAPPING,
    HTTP_PRIVATE,
    HTTP_ROUTES,
    PAYLOAD,
    REST_ONLY,
    REST_PRIVATE,
    REST_VPC_V1,
    REST_VS_HTTP,
)
from ecsprep.sim.front_door.doors import Api, Integration, Route, VpcLink
from ecsprep.sim.front_door.shapes import flag, items, known, text


def _integration(
    doc: Mapping[str, Any], where: Where, protocol: str, links: Mapping[str, VpcLink]
) -> Integration:
    if protocol == "HTTP":
        known(
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
        kind = text(doc, "IntegrationType", where, "HTTP_PROXY")
        if kind == "HTTP_PROXY" and str(doc.get("PayloadFormatVersion", "1.0")) != "1.0":
            raise where.key("PayloadFormatVersion").refuse(
                "Supported values for Lambda proxy integrations are 1.0 and 2.0. For all other "
                "integrations, 1.0 is the only supported value.",
                PAYLOAD,
            )
        connection = text(doc, "ConnectionType", where, "INTERNET")
        link = text(doc, "ConnectionId", where, "")
        uri = text(doc, "IntegrationUri", where)
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
            text(doc, "IntegrationId", where),
            kind,
            connection,
            link,
            uri,
            target,
            overwrite,
        )
    known(
        doc,
        ("type", "connectionType", "connectionId", "integrationTarget", "uri", "httpMethod"),
        where,
        "a REST API method integration",
    )
    kind = text(doc, "type", where, "HTTP_PROXY")
    connection = text(doc, "connectionType", where, "INTERNET")
    link = text(doc, "connectionId", where, "")
    target = text(doc, "integrationTarget", where, "")
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
                    f"{REST_PRIVATE}; {AG}set-up-private-integration.html",
                )
        elif target:
            raise where.key("integrationTarget").refuse(
                "a VPC link V1 already names its Network Load Balancer; integrationTarget is for "
                "VPC links V2",
                REST_VPC_V1,
            )
    # an HTTP or HTTP_PROXY integration's uri is "a fully formed, encoded HTTP(S) URL"
    return Integration("", kind, connection, link, text(doc, "uri", where), target)


def http_api(
    doc: Mapping[str, Any], where: Where, region: str, links: Mapping[str, VpcLink]
) -> Api:
    known(
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
    api_id = text(doc, "ApiId", where)
    if doc.get("ProtocolType", "HTTP") != "HTTP":
        raise where.key("ProtocolType").refuse(
            "this simulator models HTTP APIs (ProtocolType HTTP)"
        )
    integrations = {}
    for at, d in items(doc, "Integrations", where):
        found = _integration(d, at, "HTTP", links)
        integrations[found.integration_id] = found
    authorizers = {}
    for at, d in items(doc, "Authorizers", where):
        # CreateAuthorizer requires AuthorizerType (REQUEST or JWT)
        authorizers[text(d, "AuthorizerId", at)] = text(d, "AuthorizerType", at)
    routes = []
    for at, d in items(doc, "Routes", where):
        known(
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
        if flag(d, "ApiKeyRequired", at, False):
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
        key = text(d, "RouteKey", at)
        target = text(d, "Target", at)
        integration_id = target.removeprefix("integrations/")
        if integration_id not in integrations:
            raise at.key("Target").refuse(f"no integration {integration_id!r} in Integrations")
        auth = text(d, "AuthorizationType", at, "NONE")
        if auth == "JWT" and authorizers.get(text(d, "AuthorizerId", at)) != "JWT":
            raise at.key("AuthorizerId").refuse("a JWT route needs a JWT authorizer of this API")
        method, _, path = key.partition(" ") if key != "$default" else ("", "", "$default")
        routes.append(Route(method, path, integrations[integration_id], jwt=auth == "JWT"))
    stages = tuple(text(s, "StageName", at) for at, s in items(doc, "Stages", where)) or (
        "$default",
    )
    return Api(api_id, "HTTP", text(doc, "Region", where, region), stages, tuple(routes))


def rest_api(
    doc: Mapping[str, Any], where: Where, region: str, links: Mapping[str, VpcLink]
) -> Api:
    known(
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
        text(d, "id", at): text(d, "type", at) for at, d in items(doc, "authorizers", where)
    }
    validators = {text(d, "id", at) for at, d in items(doc, "requestValidators", where)}
    routes = []
    for at, res in items(doc, "resources", where):
        path = text(res, "path", at)
        methods = as_mapping(res.get("resourceMethods", {}), at.key("resourceMethods"))
        for method, spec in methods.items():
            mat = at.key(f"resourceMethods.{method}")
            m = as_mapping(spec, mat)
            known(
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
            auth = text(m, "authorizationType", mat, "NONE")
            if auth == "JWT":
                raise mat.key("authorizationType").refuse(
                    "REST APIs have no JWT authorizer type: use COGNITO_USER_POOLS or a Lambda "
                    "authorizer (CUSTOM)",
                    REST_VS_HTTP,
                )
            if (
                auth == "COGNITO_USER_POOLS"
                and authorizers.get(text(m, "authorizerId", mat)) != "COGNITO_USER_POOLS"
            ):
                raise mat.key("authorizerId").refuse(
                    "needs a COGNITO_USER_POOLS authorizer of this API"
                )
            validator = text(m, "requestValidatorId", mat, "")
            if validator and validator not in validators:
                raise mat.key("requestValidatorId").refuse(f"no request validator {validator!r}")
            routes.append(
                Route(
                    str(method),
                    path,
                    integration,
                    jwt=auth == "COGNITO_USER_POOLS",
                    api_key=flag(m, "apiKeyRequired", mat, False),
                    validates=bool(validator),
                )
            )
    keys: list[str] = []
    for at, plan in items(doc, "usagePlans", where):
        keys.extend(str(k) for k in as_list(plan.get("apiKeys", []), at.key("apiKeys")))
    stages = tuple(text(s, "stageName", at) for at, s in items(doc, "stages", where))
    if not stages:
        raise where.key("stages").refuse("a REST API is called through a deployed stage")
    return Api(
        text(doc, "id", where),
        "REST",
        text(doc, "region", where, region),
        stages,
        tuple(routes),
        tuple(keys),
    )
