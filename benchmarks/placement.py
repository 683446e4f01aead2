"""Benchmark: `ecsprep simulate placement` on big clusters (run on demand, not in CI).

    .venv/bin/python benchmarks/placement.py            # every case, whole process timed
    .venv/bin/python benchmarks/placement.py --quick    # the 1,000-instance cases only
    .venv/bin/python benchmarks/placement.py --big      # 10,000 instances x 100,000 tasks only
    .venv/bin/python benchmarks/placement.py --io       # reading 10,000 described instances,
                                                        # writing 100,000 tasks

Each case runs the real command in a fresh process (`python -m ecsprep …` is not
used: the simulate sub-app is driven directly so that other commands' import
cost does not count) and reports the wall-clock time. The reference figure is
moto's first-fit placement: about 8.6 s for 10,000 tasks on 1,000 instances.
Peak memory is the child's maximum resident set size (os.wait4).

`--io` writes a describe-container-instances file of 10,000 instances (about
40 MB, each instance shaped like the AWS CLI's output: 50 attributes, four
registered and four remaining resources) and times, in one fresh process, the
phases of a run on it: parsing the JSON, reading the instances, placing 100,000
tasks and writing the RunTask-shaped response; then the whole command on it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MOTO_SECONDS = 8.6
RUNS = 5  # best of five: this 2-core machine swings by ~0.1 s run to run
DRIVER = (
    "import sys, typer\n"
    "from ecsprep.ui import simulate\n"
    "app = typer.Typer()\n"
    "@app.callback()\n"
    "def root() -> None: pass\n"
    "simulate.register(app)\n"
    "app(sys.argv[1:], prog_name='ecsprep')\n"
)
SPREAD_BINPACK = [
    "--strategy",
    "spread:attribute:ecs.availability-zone",
    "--strategy",
    "binpack:memory",
]
MEMBER_OF = ["--constraint", "memberOf:attribute:ecs.instance-type in [m5.large, c5.xlarge]"]


def fleet(instances: int) -> list[str]:
    # three quarters m5.large, one quarter t3.small (excluded by the memberOf case), 3 AZs
    big, small = instances * 3 // 4, instances - instances * 3 // 4
    zones = "us-east-1a,us-east-1b,us-east-1c"
    return ["--fleet", f"{big}xm5.large@{zones}", "--fleet", f"{small}xt3.small@{zones}"]


def big_cases() -> list[tuple[str, list[str]]]:
    """10,000 instances x 100,000 tasks: the reader, the engine and the writer at scale."""
    base = [*fleet(10_000), "--memory", "256", "--cpu", "64", "--count", "100000"]
    return [
        (
            "10,000 instances x 100,000 tasks, spread(AZ)+binpack(memory)",
            [*base, "--service", "web", *SPREAD_BINPACK],
        ),
        ("10,000 instances x 100,000 tasks, random (RunTask default)", [*base, "--seed", "1"]),
    ]


def cases(quick: bool) -> list[tuple[str, list[str]]]:
    sizes = [1_000] if quick else [1_000, 10_000]
    found = []
    for size in sizes:
        base = [
            *fleet(size),
            "--memory",
            "256",
            "--cpu",
            "64",
            "--count",
            "10000",
            "--service",
            "web",
        ]
        found.append(
            (
                f"{size:,} instances x 10,000 tasks, spread(AZ)+binpack(memory)",
                base + SPREAD_BINPACK,
            )
        )
        found.append(
            (f"{size:,} instances x 10,000 tasks, + memberOf", base + SPREAD_BINPACK + MEMBER_OF)
        )
    # the first task that fits nowhere ends the run: the others are not tried one by one
    nowhere = [*fleet(1_000), "--memory", "1000000", "--count", "1000000", "--seed", "1"]
    found.append(("1,000 instances x 1,000,000 tasks that fit nowhere", nowhere))
    return found


def run(args: list[str]) -> tuple[float, float]:
    """Wall-clock seconds and peak resident memory (MiB) of one run."""
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", DRIVER, "simulate", "placement", *args, "--format", "json"],
        stdout=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    if status:
        raise SystemExit(f"the run failed: {args}")
    return elapsed, usage.ru_maxrss / 1024  # KiB on Linux


IO_INSTANCES = 10_000
IO_TASKS = 100_000
IO_ARGS = ["--memory", "256", "--cpu", "64", "--count", str(IO_TASKS), "--seed", "1"]
# One process: each phase of a run on the --instances file, timed on its own.
PHASES = """
import io, json, sys, time
from pathlib import Path
from ecsprep.sim.documents import Where, read_document
from ecsprep.sim.instances import read_instances
from ecsprep.sim.placement import place
from ecsprep.sim.report import write_response
from ecsprep.sim.scenario import Overrides, load_scenario
import gc
gc.disable()  # as the command does
path = Path(sys.argv[1])
timings = {}
start = time.perf_counter()
data = read_document(path)
timings["parse"] = time.perf_counter() - start
start = time.perf_counter()
read_instances(data, Where(str(path)))
timings["read"] = time.perf_counter() - start
del data
scenario = load_scenario(None, Overrides(instances_file=path, memory=256, cpu=64,
                                         count=int(sys.argv[2]), seed=1))
start = time.perf_counter()
result = place(scenario)
timings["place"] = time.perf_counter() - start
with open("/dev/null", "w", encoding="utf-8") as sink:
    start = time.perf_counter()
    write_response(result, sink)
    timings["write"] = time.perf_counter() - start
print(json.dumps(timings))
"""


def described_instance(number: int) -> dict[str, object]:
    """One instance as describe-container-instances prints it (the AWS CLI's shape)."""
    zone = "us-east-1" + "abc"[number % 3]

    def resources(cpu: int, memory: int) -> list[dict[str, object]]:
        number_fields = {"doubleValue": 0.0, "longValue": 0}
        return [
            {"name": "CPU", "type": "INTEGER", **number_fields, "integerValue": cpu},
            {"name": "MEMORY", "type": "INTEGER", **number_fields, "integerValue": memory},
            {
                "name": "PORTS",
                "type": "STRINGSET",
                **number_fields,
                "integerValue": 0,
                "stringSetValue": ["22", "2376", "2375", "51678", "51679"],
            },
            {
                "name": "PORTS_UDP",
                "type": "STRINGSET",
                **number_fields,
                "integerValue": 0,
                "stringSetValue": [],
            },
        ]

    capabilities = [
        {"name": f"com.amazonaws.ecs.capability.docker-remote-api.1.{n}"} for n in range(17, 45)
    ] + [
        {"name": f"ecs.capability.{name}"}
        for name in (
            "task-eni",
            "execution-role-awslogs",
            "execution-role-ecr-pull",
            "container-health-check",
            "secrets.ssm.environment-variables",
            "secrets.asm.environment-variables",
            "task-cpu-mem-limit",
            "efsAuth",
            "container-ordering",
            "full-sync",
        )
    ]
    values = {
        "ecs.availability-zone": zone,
        "ecs.instance-type": "m5.large",
        "ecs.ami-id": "ami-00e0090ac21971297",
        "ecs.os-type": "linux",
        "ecs.os-family": "LINUX",
        "ecs.cpu-architecture": "x86_64",
        "ecs.vpc-id": "vpc-0123456789abcdef0",
        "ecs.subnet-id": "subnet-0123456789abcdef0",
        "ecs.capability.branch-cni-plugin-version": "e0703516-",
        "ecs.capability.cni-plugin-version": "55b2ae77-2020.09.0",
        "ecs.capability.secrets.asm.bootstrap.log-driver": None,
        "ecs.capability.ecr-endpoint": None,
    }
    attributes = capabilities + [
        {"name": name} if value is None else {"name": name, "value": value}
        for name, value in values.items()
    ]
    return {
        "containerInstanceArn": (
            f"arn:aws:ecs:us-east-1:111122223333:container-instance/big/{number:032x}"
        ),
        "ec2InstanceId": f"i-{number:017x}",
        "version": 4390,
        "versionInfo": {
            "agentVersion": "1.89.0",
            "agentHash": "a190a73f",
            "dockerVersion": "DockerVersion:20.10.25",
        },
        "remainingResources": resources(2048, 7680),
        "registeredResources": resources(2048, 7680),
        "status": "ACTIVE",
        "agentConnected": True,
        "runningTasksCount": 0,
        "pendingTasksCount": 0,
        "attributes": attributes,
        "registeredAt": 1700000000.123,
        "attachments": [],
        "tags": [],
    }


def io_case(folder: Path) -> None:
    path = folder / "instances.json"
    document = {
        "containerInstances": [described_instance(n) for n in range(IO_INSTANCES)],
        "failures": [],
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    size = path.stat().st_size / 1e6
    print(f"{IO_INSTANCES:,} described instances ({size:.0f} MB), {IO_TASKS:,} tasks")
    for _ in range(RUNS if "--quick" not in sys.argv else 1):
        child = subprocess.Popen(
            [sys.executable, "-c", PHASES, str(path), str(IO_TASKS)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None
        output = child.stdout.read()
        _, status, usage = os.wait4(child.pid, 0)
        if status:
            raise SystemExit("the phases run failed")
        timings = json.loads(output)
        parts = "  ".join(f"{name} {seconds:5.2f}" for name, seconds in timings.items())
        print(f"  phases (s): {parts}  peak {usage.ru_maxrss / 1024:.0f} MiB")
    seconds, mib = run(["--instances", str(path), *IO_ARGS])
    print(f"  whole command: {seconds:.2f} s, peak {mib:.0f} MiB")


def main() -> None:
    if "--io" in sys.argv:
        with tempfile.TemporaryDirectory() as folder:
            io_case(Path(folder))
        return
    quick = "--quick" in sys.argv
    chosen = big_cases() if "--big" in sys.argv else cases(quick)
    runs = 1 if "--big" in sys.argv else RUNS
    print(f"{'case':62} {'seconds':>8} {'vs moto':>8} {'peak MiB':>9}")
    for name, args in chosen:
        results = [run(args) for _ in range(runs)]
        best = min(seconds for seconds, _ in results)
        peak = max(mib for _, mib in results)
        print(f"{name:62} {best:8.2f} {MOTO_SECONDS / best:7.0f}x {peak:9.0f}")


if __name__ == "__main__":
    main()
