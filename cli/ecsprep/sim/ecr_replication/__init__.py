"""What ECR copies, creates and caches on your behalf: private image replication, pull
through cache rules, repository creation templates and create on push.

The input (docs/ecr-replication.md) is a scenario in AWS's own shapes: the private
registries in the story (one per account and Region), each with its replication
configuration (PutReplicationConfiguration's body), registry permissions policy
(PutRegistryPolicy's policyText), pull through cache rules (CreatePullThroughCacheRule
bodies), repository creation templates (CreateRepositoryCreationTemplate bodies) and
repositories (describe-repositories plus their images); the principal that pushes and
pulls (its identity policies); what the upstream registries hold; and the events, in
order: docker push, docker pull, a replication backfill, a deletion, a new upstream
image. `run` plays the events and records every decision with the documented rule it
applied:

- Replication ("Private image replication", registry-settings-configure.html,
  replication-backfill.html): an image pushed to a repository that a rule's
  PREFIX_MATCH filters match (every repository when a rule has none) is copied to each
  of the rule's destinations. Only images pushed after the configuration are
  replicated; a replication backfill (one destination at a time) copies the images
  already there that match the current rules. Deletions are repeated only when the
  rule has deleteReplication enabled.
- Cross-account (registry-permissions-create-replication.html): the destination's
  registry permissions policy must allow the source account ecr:ReplicateImage, and
  ecr:CreateRepository for ECR to create a missing repository; without either the
  replication fails. Cross-Region in one's own registry needs no policy.
- Pull through cache (pull-through-cache.html, pull-through-cache-iam.html,
  pull-through-cache-working.html): a pull of PREFIX/UPSTREAM-PATH creates the cache
  repository and imports the upstream image; that needs ecr:BatchImportUpstreamImage
  (identity, registry or repository policy) and, when the repository doesn't exist,
  ecr:CreateRepository (identity or registry policy). Later pulls of a cached tag are
  served from the cache, and ECR refreshes the cached image from the upstream at least
  once every 24 hours. Docker Hub official images need library/ in the path.
  Authenticated upstreams need a Secrets Manager secret named ecr-pullthroughcache/...
  in the rule's account and Region.
- Repository creation templates (repository-creation-templates-create.html,
  API_CreateRepositoryCreationTemplate): a repository that ECR creates for
  REPLICATION, PULL_THROUGH_CACHE or CREATE_ON_PUSH gets the settings of the template
  applied for that action whose prefix matches (ROOT: any repository without a more
  specific template), else the CreateRepository defaults (MUTABLE, AES256). A
  template with a KMS key or resource tags needs a custom role (customRoleArn).
  Create on push: a push to a missing repository creates it when a CREATE_ON_PUSH
  template matches; otherwise the push fails.

Every point the docs leave open is an inferred choice, said in the notes as "INF".

The package, inputs before what reads and runs them (imports point that way only):

- registries.py: the input model: registries (replication rules, pull through cache rules,
  repository creation templates, repositories and their images), the principal, the
  events, and the Setup holding them.
- steps.py: one decision of the run (Verdict, Step).
- Reading AWS's shapes into the model: shapes.py (the request bodies of a registry:
  replication rules, pull through cache rules, templates, repositories) and reader.py
  (read_setup, registries, events).
- Running the events: state.py (the registries as the events change them), permissions.py
  (identity, registry and repository policies), creation.py (repositories ECR creates, with
  their template), replication.py (replication, deletions, backfills), pushes.py, pulls.py
  (pull through cache), and simulation.py (run, Run and its facts, to_json).
"""

from __future__ import annotations

from ecsprep.sim.ecr_replication.reader import read_setup
from ecsprep.sim.ecr_replication.registries import Setup
from ecsprep.sim.ecr_replication.simulation import FACTS, RANKED, Run, run, to_json
from ecsprep.sim.ecr_replication.steps import Verdict

__all__ = [
    "FACTS",
    "RANKED",
    "Run",
    "Setup",
    "Verdict",
    "read_setup",
    "run",
    "to_json",
]
