"""A bounded pool of render worker processes, with a time limit on each render.

WeasyPrint is CPU-bound, so documents render in worker processes, never on the event loop.
The pool holds ``workers`` *slots*; each slot is a one-process
:class:`~concurrent.futures.ProcessPoolExecutor` (started with ``spawn``: the server's threads
are never forked), so the pool always knows which process runs which render:

* a request takes a free slot, waiting its turn when all are busy (at most ``max_queue``
  requests wait; past that :class:`PoolBusy` at once);
* the time limit starts when the render starts, so waiting in the queue never counts;
* a render past its limit raises :class:`RenderTimeout`: that slot's process is killed and a
  fresh slot replaces it in the background, so the pool is never wedged and the other renders
  go on;
* a worker that dies (out of memory, killed) raises :class:`WorkerLost` and is replaced too;
* :meth:`RenderPool.close` stops everything at shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import signal
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Final

import attrs

from ._worker import Job, Outcome, process_id, render, start

__all__ = ["PoolBusy", "PoolClosed", "RenderPool", "RenderTimeout", "WorkerLost"]

LOG: Final = logging.getLogger("physio_notes.service")
#: Seconds between attempts to start a replacement worker that failed to start.
RETRY_DELAY: Final = 5.0


class PoolBusy(Exception):
    """Every worker is busy and the queue is full."""


class PoolClosed(Exception):
    """The pool is shutting down."""


class RenderTimeout(Exception):
    """A render ran past its time limit and was stopped."""


class WorkerLost(Exception):
    """A worker process died during a render."""


@attrs.define(eq=False)
class _Slot:
    executor: ProcessPoolExecutor
    pid: int


class RenderPool:
    """Render :class:`Job` objects in ``workers`` processes, ``timeout`` seconds each."""

    def __init__(self, *, workers: int, timeout: float, max_queue: int,
                 clinic: str | None = None, memory_mb: int | None = None,
                 task: Callable[[Job], Outcome] = render,
                 initializer: Callable[..., object] | None = start) -> None:
        self.workers = workers
        self.timeout = timeout
        self.max_queue = max_queue
        self._initializer = initializer
        self._initargs: tuple[Any, ...] = (clinic, memory_mb) if initializer is start else ()
        self._task = task
        self._free: asyncio.Queue[_Slot] = asyncio.Queue()
        self._slots: set[_Slot] = set()
        self._waiting = 0
        self._closed = False
        self._background: set[asyncio.Task[None]] = set()

    @property
    def waiting(self) -> int:
        """Requests waiting for a worker now."""
        return self._waiting

    @property
    def busy(self) -> int:
        """Workers rendering now."""
        return len(self._slots) - self._free.qsize()

    async def start(self) -> None:
        """Start every worker and wait until each is ready (WeasyPrint loaded)."""
        slots = await asyncio.gather(*(self._new_slot() for _ in range(self.workers)))
        for slot in slots:
            self._free.put_nowait(slot)

    async def _new_slot(self) -> _Slot:
        executor = ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context("spawn"),
            initializer=self._initializer, initargs=self._initargs)
        try:
            pid = await asyncio.wrap_future(executor.submit(process_id))
        except BaseException:
            executor.shutdown(wait=False, cancel_futures=True)
            raise
        slot = _Slot(executor, pid)
        self._slots.add(slot)
        return slot

    async def run(self, job: Job) -> Outcome:
        """Render ``job`` in the next free worker, within the time limit.

        Raises:
            PoolBusy: every worker is busy and ``max_queue`` requests already wait.
            RenderTimeout: the render took longer than ``timeout`` (its worker is replaced).
            WorkerLost: the worker died (it is replaced).
            PoolClosed: the pool is shutting down.
        """
        if self._closed:
            raise PoolClosed
        if self._free.empty() and self._waiting >= self.max_queue:
            raise PoolBusy
        self._waiting += 1
        try:
            slot = await self._free.get()
        finally:
            self._waiting -= 1
        if self._closed:
            raise PoolClosed
        future = slot.executor.submit(self._task, job)
        release = True
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), self.timeout)
        except TimeoutError:
            release = False
            self._replace(slot)
            raise RenderTimeout from None
        except BrokenProcessPool:
            release = False
            self._replace(slot)
            raise WorkerLost from None
        except asyncio.CancelledError:  # the request went away: free the slot when done
            release = False
            self._spawn(self._settle(slot, future))
            raise
        finally:
            if release:
                self._free.put_nowait(slot)

    async def _settle(self, slot: _Slot, future: Future[Outcome]) -> None:
        try:
            await asyncio.wait_for(asyncio.wrap_future(future), self.timeout)
        except (TimeoutError, BrokenProcessPool):
            self._replace(slot)
        else:
            self._free.put_nowait(slot)

    def _replace(self, slot: _Slot) -> None:
        """Kill a slot's worker and start a fresh slot in its place, in the background."""
        self._retire(slot)
        if not self._closed:
            self._spawn(self._refill())

    def _retire(self, slot: _Slot) -> None:
        self._slots.discard(slot)
        with contextlib.suppress(ProcessLookupError):
            os.kill(slot.pid, signal.SIGKILL)
        slot.executor.shutdown(wait=False, cancel_futures=True)

    async def _refill(self) -> None:
        while not self._closed:
            try:
                slot = await self._new_slot()
            except Exception as exc:  # e.g. no memory for a process: try again later
                LOG.error("a render worker failed to start (%s); retrying in %g s",
                          type(exc).__name__, RETRY_DELAY)
                await asyncio.sleep(RETRY_DELAY)
                continue
            if self._closed:
                self._retire(slot)
            else:
                self._free.put_nowait(slot)
            return

    def _spawn(self, work: Any) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def close(self) -> None:
        """Stop the workers: idle ones leave cleanly, busy ones are killed."""
        self._closed = True
        for task in list(self._background):
            task.cancel()
        idle = set()
        while not self._free.empty():
            idle.add(self._free.get_nowait())
        for slot in list(self._slots):
            if slot not in idle:
                self._retire(slot)
        await asyncio.gather(*(asyncio.to_thread(slot.executor.shutdown, wait=True)
                               for slot in idle))
        self._slots.clear()
