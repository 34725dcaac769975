"""`one_thread` limits BLAS to one thread inside the block and restores the limits after it."""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from fairspec.backends.threads import one_thread


def test_one_thread_limits_every_pool_in_the_block_and_restores_them_after():
    assert np.__name__                                   # numpy's BLAS is loaded
    with threadpool_limits(2):          # pools above one thread, whatever the machine
        _limits_and_restores()


def _limits_and_restores():
    before = {pool["filepath"]: pool["num_threads"] for pool in threadpool_info()}
    assert any(threads > 1 for threads in before.values())    # something for the limit to do
    # BLAS pools only: an OpenMP runtime loaded after the controller was made (torch's, when a
    # torch test ran first) is not the controller's to limit, as threads.py says
    for _ in range(2):                                   # the second time, the kept controller
        with one_thread():
            blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
            assert blas and all(pool["num_threads"] == 1 for pool in blas)
    assert {pool["filepath"]: pool["num_threads"] for pool in threadpool_info()} == before
