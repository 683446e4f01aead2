"""Mutation testing of the core with mutmut, one module at a time, on demand (not in CI).

    python -m pip install -e '.[test,mutation]'
    python benchmarks/mutation.py study/scoring.py         # one module
    python benchmarks/mutation.py --all                    # every module in MODULES (slow)
    python benchmarks/mutation.py study/scoring.py --survivors   # print each survivor's diff
    python benchmarks/mutation.py sim/scaling.py --only 'x_read_*'  # only these functions

mutmut 3 only finds code under `./`, `src/` or `source/` and names modules by their path,
so it cannot run on the `cli/` layout in place. This script stages a copy under
`build/mutation/<module>/` with the package at `src/ecsprep` (mutmut strips `src.`, so the
module names match `ecsprep.…` at run time), the tests, content, quizzes and docs beside it, and a
pyproject.toml that mutates only the one module and runs only the tests listed for it in
MODULES. It prints killed / total per module; equivalent mutants are listed in
docs/status.md. Nothing outside build/mutation is touched.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAGE = ROOT / "build" / "mutation"

# module (under cli/ecsprep) -> the tests that hold its behaviour
MODULES: dict[str, list[str]] = {
    "study/scoring.py": ["tests/test_study_engine.py", "tests/test_study_behaviour.py"],
    "study/schedule.py": ["tests/test_study_engine.py", "tests/test_study_behaviour.py"],
    "study/session.py": [
        "tests/test_study_engine.py",
        "tests/test_study_behaviour.py",
        "tests/test_packs_cache.py",  # a quiz from the cache builds only what it draws
    ],
    "study/blueprint.py": [
        "tests/test_study_engine.py",  # with the cases of tests/cases/blueprints.yaml
        "tests/test_study_behaviour.py",
        "tests/test_study_blueprint_files.py",
    ],
    "study/stats.py": [
        "tests/test_study_stats.py",
        "tests/test_study_store.py",
        "tests/test_quiz_cli.py",
    ],
    "study/store.py": [
        "tests/test_study_store_rows.py",
        "tests/test_study_store.py",
        "tests/test_study_store_access.py",  # read-only, locks, migration, integrity
        "tests/test_study_export.py",
        "tests/test_study_stats.py",
        "tests/test_quiz_cli.py",
        # Not test_quiz_durability.py: it runs the installed ecsprep in a subprocess, which
        # never imports the mutant, so it can't kill one (and is slow).
    ],
    "study/export.py": [
        "tests/test_study_export.py",
        "tests/test_study_store.py",
        "tests/test_quiz_cli.py",
    ],
    "packs/structure.py": [
        "tests/test_packs_load.py",
        "tests/test_packs_broken.py",
        "tests/test_packs_structure.py",
    ],
    # the rest of the packs package (issue 13 section 3)
    "packs/verify.py": [
        "tests/test_packs_verify.py",
        "tests/test_sim_check.py",
        "tests/test_packs_cli.py",
    ],
    "packs/load.py": [
        "tests/test_packs_loaded_model.py",
        "tests/test_packs_folders.py",
        "tests/test_packs_load.py",
        "tests/test_packs_cache.py",
        "tests/test_packs_broken.py",
        "tests/test_packs_cli.py",
        "tests/test_packs_hostile.py",
    ],
    "packs/references.py": [
        "tests/test_packs_load.py",
        "tests/test_packs_broken.py",
        "tests/test_packs_cli.py",
    ],
    "packs/shelf.py": ["tests/test_packs_shelf.py", "tests/test_packs_cache.py"],
    "packs/cache.py": [
        "tests/test_packs_cache.py",
        "tests/test_packs_load.py",
        "tests/test_packs_cli.py",
    ],
    "packs/likeness.py": ["tests/test_packs_likeness.py", "tests/test_packs_cli.py"],
    "packs/export.py": [
        "tests/test_packs_export.py",
        "tests/test_packs_cli.py",
        "tests/test_packs_cache.py",
    ],
    "packs/source.py": [
        "tests/test_packs_source.py",
        "tests/test_packs_load.py",
        "tests/test_packs_broken.py",
        "tests/test_packs_cli.py",
    ],
    "packs/model.py": [
        "tests/test_packs_model.py",
        "tests/test_packs_loaded_model.py",
        "tests/test_packs_export.py",
        "tests/test_packs_load.py",
        "tests/test_packs_structure.py",
        "tests/test_study_engine.py",
    ],
    "sim/strategies.py": [
        "tests/test_sim_placement.py",
        "tests/test_sim_inputs.py",
        "tests/test_sim_input_cases.py",
        "tests/test_sim_behaviour.py",
    ],
    "sim/constraints.py": [
        "tests/test_sim_placement.py",
        "tests/test_sim_inputs.py",
        "tests/test_sim_input_cases.py",
        "tests/test_sim_behaviour.py",
    ],
    "sim/capacity.py": [
        "tests/test_sim_capacity.py",
        "tests/test_sim_inputs.py",
        "tests/test_sim_input_cases.py",
        "tests/test_sim_behaviour.py",
    ],
    "sim/placement.py": [
        "tests/test_sim_placement.py",
        "tests/test_sim_properties.py",
        "tests/test_sim_behaviour.py",
        "tests/test_sim_cli.py",  # the --trace texts and the Fargate and capacity notes
        "tests/test_sim_capacity.py",
        "tests/test_sim_hostile.py",
        "tests/test_sim_random.py",  # the random strategy's seeded draws
    ],
    "sim/cql/nodes.py": ["tests/test_cql.py", "tests/test_sim_behaviour.py"],
    # check.py: the case table only; test_sim_check.py runs every shipped check (~1 min a
    # surviving mutant on the shared machine), so its kills are left out of the figure.
    "sim/check.py": ["tests/test_sim_check_cases.py"],
    "sim/simulators.py": ["tests/test_sim_simulators.py", "tests/test_sim_check_cases.py"],
    "sim/resources.py": [
        "tests/test_sim_amounts.py",
        "tests/test_sim_inputs.py",
        "tests/test_sim_input_cases.py",
    ],
    "sim/scale_in.py": ["tests/test_sim_stopping.py", "tests/test_sim_placement.py"],
    "sim/draining.py": ["tests/test_sim_stopping.py", "tests/test_sim_placement.py"],
    "sim/cql/parser.py": ["tests/test_cql.py"],
    "sim/cql/tokenizer.py": ["tests/test_cql.py"],
    "sim/cql/pattern.py": ["tests/test_sim_cql_pattern.py", "tests/test_cql.py"],
    "sim/registration.py": ["tests/test_sim_registration.py", "tests/test_sim_credentials.py"],
    # packs (mut-store): the format's tables and the problem a content file reports
    "packs/schema.py": [
        "tests/test_packs_schema.py",  # the packs against the JSON Schema, mistakes caught
        "tests/test_packs_structure.py",
        "tests/test_packs_load.py",
        "tests/test_packs_broken.py",
        "tests/test_packs_cli.py",  # `packs schema` and the schema/validator agreement
        "tests/test_packs_verify.py",
    ],
    "packs/problems.py": [
        "tests/test_packs_broken.py",
        "tests/test_packs_load.py",
        "tests/test_study_blueprint_files.py",
        "tests/test_packs_cli.py",
    ],
    # load balancing, lifecycle and the network path (lb): the *_check modules by the fast
    # table of tests/test_sim_simulator_checks.py, not test_sim_check.py (every shipped check)
    "sim/load_balancing_check.py": [
        "tests/test_sim_simulator_checks.py",
        "tests/test_sim_simulators.py",
        "tests/test_sim_load_balancing.py",
    ],
    "sim/lifecycle_check.py": [
        "tests/test_sim_simulator_checks.py",
        "tests/test_sim_simulators.py",
    ],
    "sim/network_path.py": [
        "tests/test_sim_network_path.py",
        "tests/test_sim_credentials.py",
        "tests/test_sim_registration.py",
    ],
    "sim/load_balancing.py": [
        "tests/test_sim_load_balancing.py",  # the case tables, the command's text and JSON
        "tests/test_sim_simulator_checks.py",
    ],
    "sim/lifecycle.py": [
        "tests/test_sim_lifecycle.py",  # with the cases of tests/cases/lifecycle/*.yaml
        "tests/test_sim_lifecycle_places.py",  # a wrong kind at each field: its place
        "tests/test_sim_simulator_checks.py",
    ],
    # the shared simulator core: CQL helpers, inputs read from AWS's JSON, the report
    "sim/cql/facts.py": ["tests/test_cql.py"],
    "sim/cql/literals.py": ["tests/test_cql.py"],
    "sim/cql/render.py": ["tests/test_cql_render.py", "tests/test_cql.py"],
    "sim/cql/__init__.py": ["tests/test_cql.py"],
    "sim/schedule.py": [
        "tests/test_sim_schedule.py",
        "tests/test_sim_scaling.py",
        "tests/test_sim_events.py",
    ],
    "sim/cluster.py": [
        "tests/test_sim_report.py",
        "tests/test_sim_inputs.py",
        "tests/test_sim_input_cases.py",
        "tests/test_sim_placement.py",
        "tests/test_sim_stopping.py",
        "tests/test_sim_behaviour.py",
    ],
    "sim/report.py": [
        "tests/test_sim_report.py",
        "tests/test_sim_writer.py",
        "tests/test_sim_behaviour.py",
        "tests/test_sim_placement.py",
        "tests/test_sim_cli.py",
        # not test_sim_hostile.py: its timing asserts (1 s, 1.5 s) fail the clean run under
        # mutmut's trampolines on the shared machine ("Failed to run clean test")
    ],
    "sim/instances.py": [
        "tests/test_sim_instances.py",
        "tests/test_sim_trunking.py",
        "tests/test_sim_reader.py",
        "tests/test_sim_inputs.py",
        "tests/test_sim_input_cases.py",
        "tests/test_sim_corpus.py",
        "tests/test_sim_properties.py",
    ],
    "sim/taskdef.py": [
        "tests/test_sim_taskdefs.py",
        "tests/test_sim_inputs.py",
        "tests/test_sim_input_cases.py",
        "tests/test_sim_reader.py",
        "tests/test_sim_corpus.py",
        "tests/test_sim_capacity.py",
    ],
    "sim/scenario.py": [
        "tests/test_sim_scenarios.py",
        "tests/test_sim_scenario_places.py",  # a wrong kind at each field: its place
        "tests/test_sim_inputs.py",
        "tests/test_sim_input_cases.py",
        "tests/test_sim_placement.py",
        "tests/test_sim_behaviour.py",
        "tests/test_sim_stopping.py",
        "tests/test_sim_writer.py",  # (not test_sim_hostile.py: see sim/report.py's)
        "tests/test_sim_cli.py",  # --task-definition with --cpu/--memory/--port refused
    ],
    # IAM, credentials, registration and ECR access (issue 13 section 3)
    "sim/iam_policy.py": [
        "tests/test_sim_iam_policy.py",
        "tests/test_sim_credentials.py",
        "tests/test_sim_ecr_access.py",
        "tests/test_sim_registration.py",
    ],
    "sim/credentials_check.py": ["tests/test_sim_iam_checks.py", "tests/test_sim_credentials.py"],
    "sim/registration_check.py": ["tests/test_sim_iam_checks.py", "tests/test_sim_credentials.py"],
    "sim/ecr_access_check.py": ["tests/test_sim_iam_checks.py", "tests/test_sim_ecr_access.py"],
    "sim/ecs_config.py": [
        "tests/test_sim_ecs_config.py",
        "tests/test_sim_credentials.py",
        "tests/test_sim_registration.py",
    ],
    "sim/documents.py": [
        "tests/test_sim_documents.py",
        "tests/test_sim_inputs.py",
        "tests/test_sim_input_cases.py",
        "tests/test_sim_hostile.py",
    ],
    "sim/credentials.py": [
        "tests/test_sim_credentials_input.py",
        "tests/test_sim_credentials.py",
        "tests/test_sim_iam_checks.py",
    ],
    "sim/ecr_access.py": [
        "tests/test_sim_ecr_access_input.py",
        "tests/test_sim_ecr_access.py",
        "tests/test_sim_iam_checks.py",
    ],
    # capacity and placement checks, metric math and the scaling simulator (issue 13 section 3)
    "sim/capacity_check.py": [
        "tests/test_sim_capacity_check.py",
        "tests/test_sim_check_cases.py",
        "tests/test_sim_simulators.py",
    ],
    "sim/placement_check.py": [
        "tests/test_sim_placement_check.py",
        "tests/test_sim_check_cases.py",
        "tests/test_sim_simulators.py",
    ],
    "sim/metric_math.py": ["tests/test_sim_metric_math.py", "tests/test_sim_scaling.py"],
    "sim/scaling_check.py": [
        "tests/test_sim_scaling_check.py",
        "tests/test_sim_scaling.py",
        "tests/test_sim_simulators.py",
    ],
    "sim/scaling_input.py": [
        "tests/test_sim_scaling_input.py",
        "tests/test_sim_scaling_input_places.py",  # a wrong kind at each field: its place
        "tests/test_sim_scaling.py",
        "tests/test_sim_scaling_check.py",
    ],
    "sim/scaling.py": [
        "tests/test_sim_scaling.py",  # with the cases of tests/cases/scaling/documented.yaml
        "tests/test_sim_scaling_rules.py",
        "tests/test_sim_scaling_check.py",
        "tests/test_sim_scaling_input.py",
    ],
    # events area: ECR lifecycle, pipeline artifacts, EventBridge, Step Functions (issue 13)
    "sim/ecr_lifecycle_check.py": [
        "tests/test_sim_ecr_lifecycle_check.py",
        "tests/test_sim_ecr_lifecycle.py",
    ],
    "sim/pipeline_artifacts_check.py": [
        "tests/test_sim_pipeline_artifacts_check.py",
        "tests/test_sim_platform_fit.py",
    ],
    "sim/events_check.py": ["tests/test_sim_events_check.py", "tests/test_sim_events.py"],
    "sim/event_patterns.py": ["tests/test_sim_event_patterns.py", "tests/test_sim_events.py"],
    "sim/ecr_lifecycle.py": [
        "tests/test_sim_ecr_lifecycle_input.py",
        "tests/test_sim_ecr_lifecycle.py",
        "tests/test_sim_ecr_lifecycle_check.py",
    ],
    "sim/step_functions.py": [
        "tests/test_sim_step_functions.py",
        "tests/test_sim_events.py",
        "tests/test_sim_events_check.py",
    ],
    "sim/event_schedules.py": [
        "tests/test_sim_event_schedules.py",
        "tests/test_sim_events.py",
        "tests/test_sim_events_check.py",
    ],
    "sim/event_routing.py": [
        "tests/test_sim_event_routing.py",
        "tests/test_sim_events.py",
        "tests/test_sim_events_check.py",
    ],
    "sim/pipeline_artifacts.py": [
        "tests/test_sim_pipeline_artifacts_steps.py",
        "tests/test_sim_platform_fit.py",
        "tests/test_sim_pipeline_artifacts_check.py",
    ],
    # deployment area: Fargate, platform fit, deployments (issue 13 section 3)
    "sim/fargate_check.py": ["tests/test_sim_check_simulators.py"],
    "sim/platform_fit_check.py": ["tests/test_sim_check_simulators.py"],
    "sim/platform_fit.py": [
        "tests/test_sim_platform_fit.py",
        "tests/test_sim_platform_fit_reasons.py",
        "tests/test_sim_check_simulators.py",
    ],
    "sim/fargate.py": [
        "tests/test_sim_fargate.py",
        "tests/test_sim_fargate_findings.py",
        "tests/test_sim_check_simulators.py",
        "tests/test_sim_platform_fit.py",  # reads Fargate's size table
    ],
    "sim/deployment_check.py": [
        "tests/test_sim_deployment.py",
        "tests/test_sim_check_simulators.py",
        "tests/test_sim_deployment_timelines.py",
        "tests/test_sim_deployment_reading.py",  # in process (its _cli twin is slower)
    ],
    "sim/deployment.py": [
        "tests/test_sim_deployment.py",
        "tests/test_sim_check_simulators.py",
        "tests/test_sim_deployment_timelines.py",
        "tests/test_sim_deployment_reading.py",  # in process (its _cli twin is slower)
    ],
    # session 18: the simulators of session 17
    "sim/service_discovery_check.py": [
        "tests/test_sim_check_simulators.py",  # tests/cases/check_verdicts/service_discovery.yaml
        "tests/test_sim_service_discovery.py",
        "tests/test_sim_outcomes_golden.py",
    ],
    "sim/front_door_check.py": [
        "tests/test_sim_check_simulators.py",  # tests/cases/check_verdicts/front_door.yaml
        "tests/test_sim_front_door.py",
        "tests/test_sim_outcomes_golden.py",
    ],
    "sim/observability_check.py": [
        "tests/test_sim_check_simulators.py",  # tests/cases/check_verdicts/observability.yaml
        "tests/test_sim_observability.py",
        "tests/test_sim_outcomes_golden.py",
    ],
    "sim/ecr_replication_check.py": [
        "tests/test_sim_check_simulators.py",  # tests/cases/check_verdicts/ecr_replication.yaml
        "tests/test_sim_ecr_replication.py",
        "tests/test_sim_outcomes_golden.py",
    ],
    "sim/ecr_scanning_check.py": [
        "tests/test_sim_check_simulators.py",  # tests/cases/check_verdicts/ecr_scanning.yaml
        "tests/test_sim_ecr_scanning.py",
        "tests/test_sim_outcomes_golden.py",
    ],
    "sim/ecr_scanning.py": [
        "tests/test_sim_ecr_scanning.py",  # the case tables, the command's text and JSON
        "tests/test_sim_outcomes_golden.py",  # every case's summary, notes and refusal, whole
        "tests/test_sim_wrong_kinds.py",  # a wrong kind at each place: refused there
        "tests/test_sim_check_simulators.py",
    ],
    "sim/service_discovery.py": [
        "tests/test_sim_service_discovery.py",
        "tests/test_sim_outcomes_golden.py",
        "tests/test_sim_wrong_kinds.py",  # a wrong kind at each place: refused there
        "tests/test_sim_check_simulators.py",
    ],
    "sim/observability.py": [
        "tests/test_sim_observability.py",
        "tests/test_sim_outcomes_golden.py",
        "tests/test_sim_wrong_kinds.py",  # a wrong kind at each place: refused there
        "tests/test_sim_check_simulators.py",
    ],
}


def _package(package: str, files: str, tests: list[str]) -> dict[str, list[str]]:
    """One entry per file of a simulator split into a package, each with its tests."""
    return {f"sim/{package}/{name}.py": tests for name in files.split()}


# The simulator packages (session 19): each file with the simulator's tests.
MODULES |= _package(
    "front_door",
    "__init__ api_hop api_shapes arns decisions distribution_hop distribution_shapes doors "
    "load_balancer_hop load_balancer_shapes reader shapes simulation walk web_acl_shapes",
    [
        "tests/test_sim_front_door.py",
        "tests/test_sim_outcomes_golden.py",
        "tests/test_sim_wrong_kinds.py",
        "tests/test_sim_check_simulators.py",
    ],
)
MODULES |= _package(
    "ecr_replication",
    "__init__ creation permissions pulls pushes reader registries replication shapes "
    "simulation state steps",
    [
        "tests/test_sim_ecr_replication.py",
        "tests/test_sim_outcomes_golden.py",
        "tests/test_sim_wrong_kinds.py",
        "tests/test_sim_check_simulators.py",
    ],
)
# Managed scaling (session 20): the model, its reader and its check, with the same tests.
MODULES |= {
    f"sim/{name}.py": [
        "tests/test_sim_managed_scaling.py",
        "tests/test_sim_managed_scaling_reader.py",
        "tests/test_sim_outcomes_golden.py",
        "tests/test_sim_check_simulators.py",
        "tests/test_sim_simulator_checks.py",
    ]
    for name in ("managed_scaling", "managed_scaling_input", "managed_scaling_check")
}
# session 21: IpPermission reader (sim/ip_permissions.py: one reader of a security group rule
# for service-discovery, front-door, load-balancing and network_path); its case tables.
MODULES |= {
    "sim/ip_permissions.py": ["tests/test_sim_ip_permissions.py"],
}
# session 21: releases (the model and its reader / check, with the same tests).
MODULES |= {
    f"sim/{name}.py": [
        "tests/test_sim_releases.py",
        "tests/test_sim_outcomes_golden.py",
        "tests/test_sim_check_simulators.py",
    ]
    for name in ("releases", "releases_check")
}

PYPROJECT = """\
[tool.mutmut]
source_paths = ["src/ecsprep"]
only_mutate = ["src/ecsprep/{module}"]
pytest_add_cli_args_test_selection = {tests}
pytest_add_cli_args = ["-p", "no:cacheprovider", "-q", "-x"]
also_copy = ["content", "quizzes", "docs"]

[tool.pytest.ini_options]
addopts = ["--strict-markers"]
markers = ["slow: builds a wheel or drives a real terminal"]
"""


def stage(module: str) -> Path:
    where = STAGE / module.replace("/", "_").removesuffix(".py")
    if where.exists():
        shutil.rmtree(where)
    (where / "src").mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "cli" / "ecsprep", where / "src" / "ecsprep", ignore=ignore)
    for name in ("tests", "content", "quizzes", "docs"):
        shutil.copytree(ROOT / name, where / name, ignore=ignore)
    tests = [t for t in MODULES[module] if (ROOT / t).exists()]
    (where / "pyproject.toml").write_text(
        PYPROJECT.format(module=module, tests="[" + ", ".join(f'"{t}"' for t in tests) + "]")
    )
    return where


def mutmut(where: Path, *args: str) -> str:
    exe = Path(sys.executable).with_name("mutmut")
    done = subprocess.run([str(exe), *args], cwd=where, capture_output=True, text=True, check=False)
    return done.stdout + done.stderr


def run(
    module: str, survivors: bool, children: int = 2, only: Sequence[str] = ()
) -> tuple[int, int]:
    where = stage(module)
    # `only` holds function patterns ("x_read_setup", "xǁRunǁ*"); mutmut takes mutant names.
    dotted = "ecsprep." + module.removesuffix(".py").replace("/", ".")
    names = [f"{dotted}.{pattern}__mutmut_*" for pattern in only]
    log = mutmut(where, "run", "--max-children", str(children), *names)
    (where / "run.log").write_text(log)
    results = mutmut(where, "results", "--all", "true")
    status = dict(re.findall(r"^\s*(\S+__mutmut_\d+): (.+)$", results, re.MULTILINE))
    if names:
        status = {n: s for n, s in status.items() if any(fnmatch(n, p) for p in names)}
    if not status:
        print(f"{module}: mutmut reported no mutants; see {where / 'run.log'}")
        return 0, 0
    # A mutant that makes the tests hang is caught too (by mutmut's timeout).
    killed = sum(s in ("killed", "timeout") for s in status.values())
    scope = f" (only {', '.join(only)})" if only else ""
    print(f"{module}{scope}: killed {killed} / {len(status)} ({100 * killed / len(status):.0f}%)")
    for name, state in sorted(status.items()):
        if state not in ("killed", "timeout"):
            print(f"  {state}: {name}")
            if survivors:
                diff = mutmut(where, "show", name).splitlines()
                print("\n".join(f"    {line}" for line in diff if line[:1] in "+-"))
    return killed, len(status)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "modules", nargs="*", help="modules under cli/ecsprep, e.g. sim/capacity.py"
    )
    parser.add_argument("--all", action="store_true", help="every module in MODULES")
    parser.add_argument("--survivors", action="store_true", help="show each survivor's diff")
    parser.add_argument(
        "--children", type=int, default=2, help="mutants tested at once (default 2, one a core)"
    )
    parser.add_argument(
        "--only",
        nargs="+",
        default=(),
        metavar="FUNCTION",
        help="mutate only these functions (mutmut's names, globs allowed: 'x_read_*', 'xǁRunǁ*')",
    )
    args = parser.parse_args()
    modules = list(MODULES) if args.all else args.modules
    unknown = [m for m in modules if m not in MODULES]
    if unknown or not modules:
        parser.error(f"choose from: {', '.join(MODULES)} (or --all); unknown: {unknown}")
    for module in modules:
        run(module, args.survivors, args.children, args.only)


if __name__ == "__main__":
    main()
