"""Reading AWS WAF web ACLs (rules, rate limits, default action) and their
associations (AssociateWebACL) in AWS's shapes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecsprep.sim.documents import Where, as_int, as_mapping
from ecsprep.sim.front_door.arns import arn_name, arn_region, web_acl_name
from ecsprep.sim.front_door.decisions import (
    REST_ONLY,
    REST_VS_HTTP,
    SQLI_RULE_GROUPS,
    WAF_RATE,
    WAF_REGIONAL_TYPES,
    WAF_RESOURCES,
)
from ecsprep.sim.front_door.doors import Api, LoadBalancer, WafRule, WebAcl
from ecsprep.sim.front_door.shapes import items, known, number, text


def web_acl(doc: Mapping[str, Any], where: Where, region: str) -> WebAcl:
    known(
        doc,
        ("Name", "Scope", "Region", "DefaultAction", "Rules", "ARN", "VisibilityConfig"),
        where,
        "a web ACL",
    )
    name = text(doc, "Name", where)
    scope = text(doc, "Scope", where)
    if scope not in ("REGIONAL", "CLOUDFRONT"):
        raise where.key("Scope").refuse(f"{scope!r}: use REGIONAL or CLOUDFRONT")
    acl_region = text(doc, "Region", where, region)
    if scope == "CLOUDFRONT" and acl_region != "us-east-1":
        raise where.key("Region").refuse(
            "a web ACL with CLOUDFRONT scope is created in US East (N. Virginia), us-east-1",
            WAF_RESOURCES,
        )
    default = as_mapping(doc.get("DefaultAction", {"Allow": {}}), where.key("DefaultAction"))
    rules = []
    for at, r in items(doc, "Rules", where):
        if "Statement" not in r:
            raise at.refuse(
                "Statement is missing", "e.g. RateBasedStatement or ManagedRuleGroupStatement"
            )
        statement = as_mapping(r["Statement"], at.key("Statement"))
        kind, limit = "other", 0
        if "RateBasedStatement" in statement:
            rate = as_mapping(
                statement["RateBasedStatement"], at.key("Statement.RateBasedStatement")
            )
            if "Limit" not in rate:
                raise at.key("Statement.RateBasedStatement").refuse("Limit is missing")
            limit = as_int(rate["Limit"], at.key("Statement.RateBasedStatement.Limit"))
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
            # Rule: "You must specify either this Action setting or the rule OverrideAction
            # setting, but not both"
            if "Action" not in r:
                raise at.refuse(
                    "Action is missing",
                    "give the rule's Action (Allow, Block, Count, Captcha or Challenge), or "
                    "OverrideAction for a rule group",
                )
            action_doc = as_mapping(r["Action"], at.key("Action"))
            if len(action_doc) != 1:
                raise at.key("Action").refuse(
                    "give one action: Allow, Block, Count, Captcha or Challenge"
                )
            action = next(iter(action_doc))
        rules.append(
            WafRule(
                text(r, "Name", at),
                number(r, "Priority", at, 0, 2**31 - 1),
                kind,
                str(action),
                limit,
            )
        )
    return WebAcl(
        name, scope, acl_region, "Block" in default, tuple(sorted(rules, key=lambda r: r.priority))
    )


def associate(
    doc: Mapping[str, Any],
    where: Where,
    acls: Mapping[str, WebAcl],
    lbs: Mapping[str, LoadBalancer],
    apis: Mapping[str, Api],
) -> tuple[str, str]:
    """AssociateWebACL: (resource key, web ACL name), or AWS's refusal."""
    known(doc, ("WebACLArn", "ResourceArn"), where, "an AssociateWebACL request")
    acl_name = web_acl_name(text(doc, "WebACLArn", where))
    if acl_name not in acls:
        raise where.key("WebACLArn").refuse(f"no web ACL {acl_name!r} in webAcls")
    acl = acls[acl_name]
    resource = text(doc, "ResourceArn", where)
    if not resource.startswith("arn:"):
        raise where.key("ResourceArn").refuse(
            f"{resource!r} isn't an ARN: the ARN must be in one of the following formats: "
            "arn:partition:elasticloadbalancing:region:account-id:loadbalancer/app/"
            "load-balancer-name/load-balancer-id (an Application Load Balancer), "
            "arn:partition:apigateway:region::/restapis/api-id/stages/stage-name (a REST API)",
            WAF_RESOURCES,
        )
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
