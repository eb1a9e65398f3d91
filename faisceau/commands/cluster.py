"""`faisceau cluster local`, and the `--cluster ADDRESS` option of `ingest` and `analyse`."""

from __future__ import annotations

import contextlib
import signal
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import click

from ..exc import FaisceauError, UsageError
from ..settings import Settings
from ..store.project import Project
from .options import emit, handle_errors, json_option

F = TypeVar("F", bound=Callable[..., Any])


def cluster_option(f: F) -> F:
    """`--cluster ADDRESS` (passed as `cluster`): the Dask scheduler that runs the item stages."""
    return click.option("--cluster", "cluster", metavar="ADDRESS", default=None,
                        help="Run the item stages on this Dask scheduler (tcp://host:8786; setting cluster; "
                             "see docs/cluster.md).")(f)


@contextlib.contextmanager
def connected(cfg: Settings, project: Project, inputs: Iterable[Path]) -> Iterator[Any]:
    """The executor factory for `Ingest` when the `cluster` setting names a scheduler (None: the local
    pool), connected and checked before any work; the connection is closed at the end."""
    if not cfg.cluster:
        yield None
        return
    from ..pipeline.cluster import factory  # distributed is imported only for a cluster run

    cluster, make = factory(cfg.cluster, project.root, inputs)
    try:
        yield make
    finally:
        cluster.close()


@click.group()
def cluster() -> None:
    """Dask clusters that run the item stages (`faisceau ingest --cluster ADDRESS`)."""


@cluster.command("local")
@click.option("--workers", type=int, default=2, show_default=True, help="Dask worker processes.")
@click.option("--threads", type=int, default=1, show_default=True,
              help="Threads per worker (each runs its own worker process for the item stages).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address the scheduler listens on.")
@click.option("--port", type=int, default=8786, show_default=True, help="Scheduler port (0: a free one).")
@json_option
@handle_errors
def local(workers: int, threads: int, host: str, port: int, as_json: bool) -> None:
    """Start a real Dask scheduler and workers on this machine (`dask scheduler`, `dask worker`), print
    the address, and keep them running until Ctrl-C."""
    from ..pipeline.localcluster import LocalDask

    if workers < 1 or threads < 1:
        raise UsageError("--workers and --threads must be at least 1")
    stop: list[int] = []

    def on_signal(signum: int, frame: Any) -> None:
        stop.append(signum)

    # the Dask processes run in sessions of their own: a closed terminal (SIGHUP) must stop them too
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, on_signal)
    with LocalDask(host, port) as dask:
        address = dask.start(workers, threads)
        if as_json:
            emit({"address": address, "workers": workers, "threads": threads})
        else:
            click.echo(f"Dask scheduler at {address} with {workers} worker(s) of {threads} thread(s); "
                       "Ctrl-C stops them.")
            click.echo(f"  faisceau ingest LEAK --project DIR --cluster {address}")
        while not stop:
            if not dask.alive():
                raise FaisceauError("a Dask process stopped; stopping the others")
            time.sleep(0.5)
