"""Products with a feature matrix on its CSR copy: same values, only inside a block, never stale."""

from __future__ import annotations

import gc
import weakref

import numpy as np
from scipy import sparse

from fairspec.backends.products import matvec, operator, remembering


def _one_hot_like(rows: int = 400, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    X = np.zeros((rows, 30))
    X[:, 0] = rng.normal(size=rows)                      # one dense numeric column
    X[np.arange(rows), 1 + rng.integers(0, 29, rows)] = 1.0
    return X


def test_inside_a_block_a_sparse_matrix_has_one_csr_copy_with_the_same_products():
    X = _one_hot_like()
    w = np.random.default_rng(1).normal(size=X.shape[1])
    with remembering(X):
        copy = operator(X)
        assert sparse.issparse(copy) and operator(X) is copy           # made once
        np.testing.assert_allclose(copy @ w, X @ w, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(matvec(X, w), X @ w, rtol=1e-12, atol=1e-12)
    assert operator(X) is X                                            # gone with the block


def test_blocks_nest_and_the_copy_goes_with_the_outermost():
    X = _one_hot_like(seed=2)
    with remembering(X):
        outer = operator(X)
        with remembering(X):
            assert operator(X) is outer
        assert operator(X) is outer
    assert operator(X) is X


def test_a_dense_matrix_is_used_as_it_is():
    X = np.random.default_rng(2).normal(size=(50, 4))
    with remembering(X):
        assert operator(X) is X


def test_a_matrix_changed_between_blocks_is_never_multiplied_stale():
    X = _one_hot_like(seed=3)
    w = np.ones(X.shape[1])
    with remembering(X):
        matvec(X, w)
    X[:, 1] += 5.0                                                     # the caller edits it
    with remembering(X):
        np.testing.assert_allclose(matvec(X, w), X @ w, rtol=1e-12)


def test_after_the_block_nothing_keeps_the_matrix_alive():
    X = _one_hot_like(seed=4)
    ref = weakref.ref(X)
    with remembering(X):
        operator(X)
    del X
    gc.collect()
    assert ref() is None


def test_the_csr_copy_holds_scipy_s_own_arrays_whatever_the_memory_layout():
    """The copy is built from a flat index of the non-zeros, not by scipy: it must hold the same
    data, column indices and row pointers as `scipy.sparse.csr_array(X)`, so products with it
    are the same floats, for a C-ordered, a Fortran-ordered and a strided (sliced) X, with empty
    rows and negative zeros."""
    base = _one_hot_like(rows=300, seed=5)
    base[::7] = 0.0                                      # empty rows
    base[1, 3] = -0.0
    for X in (base, np.asfortranarray(base), _one_hot_like(rows=600, seed=6)[::2]):
        expected = sparse.csr_array(X)
        with remembering(X):
            copy = operator(X)
        assert np.array_equal(copy.data, expected.data)
        assert np.array_equal(copy.indices, expected.indices)
        assert np.array_equal(copy.indptr, expected.indptr)
        assert copy.shape == X.shape and copy.indices.dtype == np.int32
        w = np.random.default_rng(7).normal(size=X.shape[1])
        assert (copy @ w).tobytes() == (expected @ w).tobytes()
