"""`python -m benchmarks NAME [ARGS...]`: run one benchmark module's `main(argv)`."""

from __future__ import annotations

import importlib
import sys

SUITES = {
    "hard": ("benchmarks.hard", "hard requirements: fairspec vs fairlearn EG and GridSearch"),
    "fitparts": ("benchmarks.fit_parts", "where a hard fit's time goes, fixed costs apart"),
    "torch": ("benchmarks.torch_models", "torch modes: fairspec vs fairlearn AFC and fairret"),
    "frontier": ("benchmarks.frontier", "Pareto frontier vs fairlearn GridSearch"),
    "confidence": ("benchmarks.confidence", "certified requirements vs seldonian-engine and EG"),
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] in {"-h", "--help"}:
        print("usage: python -m benchmarks NAME [ARGS...]\n")
        for name, (_, summary) in SUITES.items():
            print(f"  {name:<11} {summary}")
        return 0
    name, rest = argv[0], argv[1:]
    if name not in SUITES:
        print(f"unknown benchmark {name!r}; choose from: {', '.join(SUITES)}", file=sys.stderr)
        return 2
    module = importlib.import_module(SUITES[name][0])
    return int(module.main(rest) or 0)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
