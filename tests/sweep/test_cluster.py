"""The local Dask workers get the settings that keep a simulation fast."""

from __future__ import annotations

import os

import pytest

from twin.sweep.cluster import WORKER_CONFIG, dask_client


def _environment() -> dict[str, str | None]:
    return {k: os.environ.get(k) for k in ("MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_")}


@pytest.mark.slow
def test_local_workers_keep_large_arrays_on_the_heap(monkeypatch: pytest.MonkeyPatch) -> None:
    """Both malloc thresholds reach the workers (the trim threshold alone would turn off
    glibc's dynamic mmap threshold and map every array above 128 KiB anew), even after
    another local cluster of the process left Dask's own trim threshold in os.environ;
    the process's environment is given back."""
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    expected = {
        key.rsplit(".", 1)[1]: value
        for key, value in WORKER_CONFIG.items()
        if key.startswith("distributed.nanny.pre-spawn-environ.")
    }
    assert expected["MALLOC_MMAP_THRESHOLD_"] == str(32 << 20)
    with dask_client(workers=1) as client:
        seen = list(client.run(_environment).values())
    assert seen == [expected]
    assert _environment() == {"MALLOC_TRIM_THRESHOLD_": "65536", "MALLOC_MMAP_THRESHOLD_": None}
