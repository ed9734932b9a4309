"""The executors a build may use, by the name ``coursekit_executor`` gives.

``local`` (the default), ``dask`` or ``tcp://HOST:PORT``; see
:mod:`coursekit.run.executor`. The Dask executor is imported only when asked
for: Dask is an optional dependency.

This module knows nothing of Sphinx.
"""

from __future__ import annotations

from coursekit.run.executor import Executor, ExecutorError

#: What ``coursekit_executor`` (``make html EXECUTOR=...``) may say, besides an address.
LOCAL, DASK = "local", "dask"


def make_executor(
    spec: str,
    workers: int | None = None,
    preload: list[str] | tuple[str, ...] = (),
    connect_timeout: float | None = None,
) -> Executor:
    """The executor ``spec`` names: ``local``, ``dask`` or ``tcp://HOST:PORT``.

    ``connect_timeout``: seconds to wait for a Dask scheduler (default: the
    cluster module's). Nothing is started yet; an unknown spec is an
    :class:`ExecutorError`.
    """
    spec = (spec or LOCAL).strip()
    if spec == LOCAL:
        from coursekit.run.scheduler import Scheduler

        return Scheduler(workers, preload)
    if spec == DASK or "://" in spec:
        try:
            from coursekit.run.cluster import DaskExecutor
        except ImportError as error:
            raise ExecutorError(
                f"EXECUTOR={spec} needs Dask, which is not installed ({error}): "
                "pip install -c requirements.lock -e '.[dask]'"
            ) from None
        address = None if spec == DASK else spec
        if connect_timeout is None:
            return DaskExecutor(address, workers, preload)
        return DaskExecutor(address, workers, preload, connect_timeout)
    raise ExecutorError(
        f"unknown executor {spec!r} (coursekit_executor, make html EXECUTOR=...): "
        "it must be 'local', 'dask' or the address of a Dask scheduler, tcp://HOST:PORT"
    )
