"""Backends that train models under compiled fairness terms; importing this registers them all.

Each backend registers itself and its lowerings at import (see backends/base.py). Heavy libraries
(torch, cvxpy solvers) are imported only when a backend trains.
"""

from __future__ import annotations

import importlib

for _module in ("fairspec.backends.linear", "fairspec.backends.convex", "fairspec.backends.reductions",
                "fairspec.backends.torch"):
    try:
        importlib.import_module(_module)
    except ModuleNotFoundError as exc:  # a backend still being written, or an optional extra not installed
        if not (exc.name or "").startswith(_module):
            raise
