"""Kernels that are ready, and gone, without idle waits: a third of a grading worker's time.

jupyter_client waits for things by sleeping. Its client connects to a new kernel before the
kernel has bound its sockets, and ZeroMQ retries such a connection after 100 ms; once the
kernel has answered ``kernel_info`` the client drains IOPub until nothing has come for 0.2 s
(every kernel start waits 0.2 s for nothing); a killed kernel is polled every 0.1 s until it
has gone. With one kernel per submission, that was about 0.35 s of an idle worker per
submission, as long as the rest of a submission's grading.

:class:`PromptKernelClient` retries connecting every ``RECONNECT_MILLISECONDS`` and is ready
once the kernel has answered ``kernel_info`` on the shell channel *and* IOPub has brought the
``idle`` status of its last request: every message the kernel published while starting came
before it, so what is already queued is drained without waiting. :class:`PromptKernelManager`
hands out that client and polls a killed kernel every ``EXIT_POLL_SECONDS``.
"""

from __future__ import annotations

import math
import time
from queue import Empty
from typing import Any

import zmq
import zmq.asyncio
from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from traitlets import default

__all__ = [
    "EXIT_POLL_SECONDS",
    "IOPUB_WAIT_SECONDS",
    "RECONNECT_MILLISECONDS",
    "PromptKernelClient",
    "PromptKernelManager",
]

#: How long the client waits on IOPub for the status of its request before asking again
#: (a subscription made while the kernel starts can miss the first messages).
IOPUB_WAIT_SECONDS = 0.2
#: How often a client's socket retries connecting to a kernel that has not bound its own yet
#: (ZeroMQ's default is 100 ms: the client connects as soon as the kernel process exists).
RECONNECT_MILLISECONDS = 5
#: How often a killed kernel is polled until it has gone.
EXIT_POLL_SECONDS = 0.005


class PromptKernelClient(AsyncKernelClient):
    """An ``AsyncKernelClient`` whose ``wait_for_ready`` returns as soon as the kernel is, and
    whose sockets retry connecting to a kernel that is still starting every
    ``RECONNECT_MILLISECONDS``."""

    @default("context")
    def _prompt_context(self) -> zmq.asyncio.Context:
        self._created_context = True
        context = zmq.asyncio.Context()
        context.setsockopt(zmq.RECONNECT_IVL, RECONNECT_MILLISECONDS)
        return context

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        """Ask for ``kernel_info`` until the kernel replies on the shell channel and IOPub
        brings the ``idle`` status of the last request; then drain IOPub of what has already
        come.

        Raises RuntimeError, as jupyter_client does, when the kernel dies or does not answer
        in ``timeout`` seconds.
        """
        deadline = time.monotonic() + (math.inf if timeout is None else timeout)
        requests: list[str] = []
        while True:
            requests.append(self.kernel_info())
            reply = await self._reply(requests, deadline)
            if reply is not None and await self._idle_after(requests):
                self._handle_kernel_info_reply(reply)
                break
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")
        while True:
            try:
                await self.iopub_channel.get_msg(timeout=0)
            except Empty:
                return

    async def _reply(self, requests: list[str], deadline: float) -> dict[str, Any] | None:
        """The shell reply to one of ``requests``, or None after a second (or at the
        deadline)."""
        until = min(deadline, time.monotonic() + 1.0)
        while (left := until - time.monotonic()) > 0:
            try:
                message: dict[str, Any] = await self.shell_channel.get_msg(timeout=left)
            except Empty:
                return None
            if message["parent_header"].get("msg_id") in requests:
                return message
        return None

    async def _idle_after(self, requests: list[str]) -> bool:
        """Whether IOPub brings the ``idle`` status of the last of ``requests`` (each message
        within ``IOPUB_WAIT_SECONDS`` of the one before).

        The kernel welcomes a new IOPub subscription with ``iopub_welcome``; the statuses it
        published before may be lost, so one more request is sent at once rather than after
        a silence, and its ``idle`` is the one waited for: every status of the earlier ones
        comes before it.
        """
        while True:
            try:
                message = await self.iopub_channel.get_msg(timeout=IOPUB_WAIT_SECONDS)
            except Empty:
                return False
            kind = message["msg_type"]
            if kind == "iopub_welcome":
                requests.append(self.kernel_info())
            elif (
                kind == "status"
                and message["content"].get("execution_state") == "idle"
                and message["parent_header"].get("msg_id") == requests[-1]
            ):
                return True


class PromptKernelManager(AsyncKernelManager):
    """An ``AsyncKernelManager`` that hands out :class:`PromptKernelClient` and notices a
    killed kernel has gone within ``EXIT_POLL_SECONDS`` (put it first among the bases of a
    manager that needs both)."""

    @default("client_factory")
    def _prompt_client_factory(self) -> type[PromptKernelClient]:
        return PromptKernelClient

    async def _async_wait(self, pollinterval: float = EXIT_POLL_SECONDS) -> None:
        await super()._async_wait(pollinterval=min(pollinterval, EXIT_POLL_SECONDS))
