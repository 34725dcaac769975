"""Products with a feature matrix on its CSR copy: same values, made once, never keeping X alive."""

from __future__ import annotations

import gc
import weakref

import numpy as np
from scipy import sparse

from fairspec.backends import products
from fairspec.backends.products import matvec, operator


def _one_hot_like(rows: int = 400, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    X = np.zeros((rows, 30))
    X[:, 0] = rng.normal(size=rows)                      # one dense numeric column
    X[np.arange(rows), 1 + rng.integers(0, 29, rows)] = 1.0
    return X


def test_a_sparse_matrix_gets_one_csr_copy_with_the_same_products():
    X = _one_hot_like()
    w = np.random.default_rng(1).normal(size=X.shape[1])
    first = operator(X)
    assert sparse.issparse(first) and operator(X) is first          # made once
    np.testing.assert_allclose(first @ w, X @ w, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(matvec(X, w), X @ w, rtol=1e-12, atol=1e-12)


def test_a_dense_matrix_is_used_as_it_is():
    X = np.random.default_rng(2).normal(size=(50, 4))
    assert operator(X) is X


def test_matvec_never_converts_a_matrix_it_was_not_given_by_operator():
    X = _one_hot_like(seed=3)
    w = np.ones(X.shape[1])
    assert np.array_equal(matvec(X, w), X @ w)                       # the plain dense product
    assert products._known(X) is None                                # and nothing remembered


def test_remembering_a_matrix_does_not_keep_it_alive():
    X = _one_hot_like(seed=4)
    dense = np.random.default_rng(5).normal(size=(20, 3))
    operator(X), operator(dense)
    refs = weakref.ref(X), weakref.ref(dense)
    del X, dense
    gc.collect()
    assert refs[0]() is None and refs[1]() is None
