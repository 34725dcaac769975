"""Products with a feature matrix, run on a CSR copy of it when most of its entries are zero.

One-hot encoded tables are mostly zeros (Adult's training matrix: about 13 % non-zero), and
products with them are memory-bound, so a CSR copy, several times smaller, makes every X @ w and
Xᵀ @ r several times faster. The copy is made once per matrix and remembered for as long as the
matrix lives (the same training and holdout matrices are multiplied thousands of times in a
rate search or a frontier sweep); the matrix must not be modified in place meanwhile. Only a
learner asks for the copy (`operator`); `matvec` uses one already made and never makes one, since
converting costs more than a single dense product.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

# Below this share of non-zero entries, products run on the CSR copy.
SPARSE_DENSITY = 0.3
# Matrices remembered at once (a training and a holdout matrix, and a few more).
REMEMBERED = 4
_remembered: list[tuple[weakref.ref, Any]] = []


def operator(X: np.ndarray) -> Any:
    """X itself, or its CSR copy when sparse enough; both give the same products (up to the order
    of float sums). `X` must be a float64 2-D ndarray."""
    known = _known(X)
    if known is not None:
        return known
    from scipy import sparse

    copy = None if np.count_nonzero(X) > SPARSE_DENSITY * X.size else sparse.csr_array(X)
    _remembered[:] = [entry for entry in _remembered if entry[0]() is not None][-(REMEMBERED - 1):]
    _remembered.append((weakref.ref(X), copy))     # never X itself: it must stay collectable
    return X if copy is None else copy


def matvec(X: np.ndarray, w: np.ndarray) -> np.ndarray:
    """X @ w, on X's CSR copy if `operator` made one."""
    known = _known(X)
    return (X if known is None else known) @ w


def _known(X: np.ndarray) -> Any:
    """What `operator` answered for X before (X or its copy), or None."""
    for ref, copy in _remembered:
        if ref() is X:
            return X if copy is None else copy
    return None
