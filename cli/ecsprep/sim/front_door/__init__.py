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

The package, inputs before what reads and walks them (imports point that way only):

- decisions.py: the doc page each rule comes from, the values ecsprep assumes (INF), and
  one decision of a hop (Verdict, Decision).
- doors.py: the input model: load balancers and target groups, security groups, Cloud Map
  services, VPC links, APIs, web ACLs, distributions, requests, and the Setup holding them.
- arns.py: names and Regions in ARNs (read and walked alike).
- Reading AWS's JSON shapes into the model: shapes.py (the pieces every reader uses),
  load_balancer_shapes.py, api_shapes.py, web_acl_shapes.py, distribution_shapes.py, and
  reader.py (read_setup, requests, target groups, Cloud Map, VPC links, VPC origins).
- Walking a request: walk.py (a walk's state, its Trip, the web ACL check of every hop),
  load_balancer_hop.py, distribution_hop.py, api_hop.py, and simulation.py (run: which
  front door a request's host names; Run, its facts, to_json).
"""

from __future__ import annotations

from ecsprep.sim.front_door.decisions import Verdict
from ecsprep.sim.front_door.doors import Setup
from ecsprep.sim.front_door.reader import read_setup
from ecsprep.sim.front_door.simulation import FACTS, RANKED, Run, run, to_json
from ecsprep.sim.front_door.walk import Trip

__all__ = [
    "FACTS",
    "RANKED",
    "Run",
    "Setup",
    "Trip",
    "Verdict",
    "read_setup",
    "run",
    "to_json",
]
