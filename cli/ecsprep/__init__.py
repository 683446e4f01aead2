"""ecsprep: study and exam drills for AWS ECS, ECR and Fargate.

Kept empty on purpose: every command imports this package, so anything here
is paid for by all of them (see benchmarks/startup.py).
"""

__version__ = "0.1.0"
