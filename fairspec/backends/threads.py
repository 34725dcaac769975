"""BLAS on one thread for the length of a block, without re-inspecting the process each time.

`threadpoolctl.threadpool_limits(1)` finds the loaded BLAS and OpenMP libraries anew on every call
(it reads the process's memory map and loads each library's handle): about 2.5 ms, more than a
whole Newton fit on German credit's 700 rows. One `ThreadpoolController`, made on first use, keeps
what it found, and limiting through it costs microseconds. Libraries loaded after that first use
are not seen; numpy's and scipy's BLAS are loaded on import, before any fit, and the controller is
made again when a process (a spawned worker) starts afresh.
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager
from typing import Any

_controller: Any = None
_lock = threading.Lock()


def one_thread() -> AbstractContextManager:
    """A context manager limiting every known BLAS/OpenMP pool to one thread, restoring on exit."""
    global _controller
    if _controller is None:
        with _lock:
            if _controller is None:
                from threadpoolctl import ThreadpoolController

                _controller = ThreadpoolController()
    return _controller.limit(limits=1)
