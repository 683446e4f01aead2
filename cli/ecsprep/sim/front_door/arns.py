"""Names and Regions in the ARNs a front-door scenario gives (references may be ARNs
or bare names).
"""

from __future__ import annotations


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
    """The Region of an ARN (arn:partition:service:region:…; "" if it names none)."""
    parts = value.split(":")
    return parts[3] if len(parts) > 3 else ""


def web_acl_name(value: str) -> str:
    # arn:aws:wafv2:REGION:ACCOUNT:SCOPE/webacl/NAME/ID, or the name itself
    if value.startswith("arn:"):
        parts = value.split(":", 5)[-1].split("/")
        return parts[2] if len(parts) > 2 else value
    return value
