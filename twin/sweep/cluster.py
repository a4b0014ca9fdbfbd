"""The Dask client of a sweep or sharded run: a local cluster, or an existing scheduler."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from twin.errors import TwinError

__all__ = ["WORKER_CONFIG", "dask_client"]

WORKER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": str(128 << 20),
    "distributed.nanny.pre-spawn-environ.MALLOC_MMAP_THRESHOLD_": str(32 << 20),
}
"""Dask settings of the local workers. No statistical profiler: it samples the task's
stack every 10 ms under the GIL (the dashboard's task stream and progress stay). A
128 MiB malloc trim threshold instead of Dask's 64 KiB: handing every freed block
back to the system made a simulation about 10 % slower. And a 32 MiB mmap threshold
(glibc's largest): setting any malloc threshold turns off glibc's dynamic mmap
threshold, so every array above 128 KiB (a float64 array of 16,384 values: a bus or
meter array of a town) would be mapped and unmapped, its pages faulted in anew, on
every allocation; with it two shards of a 10,000-household town spent 14 % less time
per interval (17.1 against 20.0 ms, summed over the shards, three runs each). Set them
on workers of your own cluster too."""

_PRE_SPAWN = "distributed.nanny.pre-spawn-environ."


@contextmanager
def _worker_environment() -> Iterator[None]:
    """The workers' environment variables of :data:`WORKER_CONFIG`, in ``os.environ``
    while a cluster starts.

    A Dask nanny lets a variable already in ``os.environ`` override its
    ``pre-spawn-environ`` setting, and writes the setting into ``os.environ``
    before it spawns a worker: after any other local cluster in this process
    (Dask's 64 KiB trim threshold), ours would be ignored. Restored on exit.
    """
    wanted = {k[len(_PRE_SPAWN) :]: v for k, v in WORKER_CONFIG.items() if k.startswith(_PRE_SPAWN)}
    before = {k: os.environ.get(k) for k in wanted}
    os.environ.update({k: str(v) for k, v in wanted.items()})
    try:
        yield
    finally:
        for key, value in before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextmanager
def dask_client(workers: int | None = None, scheduler: str | None = None) -> Iterator[Any]:
    """A :class:`dask.distributed.Client`, closed (with its cluster) on exit.

    Parameters
    ----------
    workers : int, optional
        Workers of a new :class:`~dask.distributed.LocalCluster`, one
        single-threaded process each (default: one per core).
    scheduler : str, optional
        Address of a running scheduler (``tcp://HOST:8786``) to join instead.

    Raises
    ------
    TwinError
        The scheduler cannot be reached.
    """
    import dask
    from dask.distributed import Client, LocalCluster

    cluster = None
    if scheduler is None:
        with dask.config.set(WORKER_CONFIG), _worker_environment():
            cluster = LocalCluster(
                n_workers=workers or os.cpu_count() or 1,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
                silence_logs=logging.CRITICAL,  # failures reach the caller as results
            )
        client = Client(cluster)
    else:
        try:
            client = Client(scheduler, timeout="10s")
        except OSError as exc:
            raise TwinError(
                f"cannot reach the Dask scheduler {scheduler!r}: {exc}; expected the address "
                "of a running scheduler such as tcp://HOST:8786"
            ) from None
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
