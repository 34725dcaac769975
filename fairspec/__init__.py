"""fairspec: a declarative policy language for fairness in model training.

    policy = fairspec.load_policy("specs/adult.fair")
    program = fairspec.compile(policy)          # what each requirement lowers to
    result = fairspec.train(policy)              # model + every requirement measured
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fairspec.language import Policy, PolicyError, load_policy

__all__ = ["load_policy", "compile", "train", "Policy", "PolicyError", "FairClassifier"]


def compile(policy: Policy, *, seed: int | None = None):  # noqa: A001 (mirrors `fairspec compile`)
    """Lower a checked policy to its IR (`fairspec.compiler.Program`)."""
    from fairspec.compiler import compile_policy

    return compile_policy(policy, seed=seed)


def train(policy: Policy | str, data: Any = None, **kwargs: Any):
    """Train the policy's model under its requirements; see `fairspec.pipeline.train`."""
    from fairspec.pipeline import train as run

    return run(policy, data, **kwargs)


def __getattr__(name: str):
    if name == "FairClassifier":
        from fairspec.estimator import FairClassifier

        return FairClassifier
    raise AttributeError(name)


if TYPE_CHECKING:
    from fairspec.estimator import FairClassifier  # noqa: F401
