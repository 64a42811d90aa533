"""The grading kernel's start-up handshake: ready as soon as the kernel has answered and IOPub carried its idle."""

from __future__ import annotations

import asyncio
from queue import Empty

import pytest

from mali_ssr.sandbox.kernel import SandboxKernelClient, SandboxKernelManager


class Channel:
    """Hands out scripted messages; after the script, waits as a real channel would, then says Empty."""

    def __init__(self, messages):
        self.messages, self.waited = list(messages), []

    async def get_msg(self, timeout=None):
        if self.messages:
            return self.messages.pop(0)
        self.waited.append(timeout)
        raise Empty


def _msg(kind, parent, **content):
    return {"msg_type": kind, "parent_header": {"msg_id": parent}, "content": content}


def _client(shell, iopub, alive=True):
    sent = []

    class Scripted(SandboxKernelClient):
        shell_channel = shell  # plain values in place of the channels jupyter_client would open
        iopub_channel = iopub

        def kernel_info(self):
            sent.append(f"info-{len(sent)}")
            return sent[-1]

        async def _async_is_alive(self):
            return alive

        def _handle_kernel_info_reply(self, msg):
            sent.append("handled")

    return Scripted(), sent


def test_ready_at_the_idle_of_the_answered_request_without_waiting_for_quiet():
    shell = Channel([_msg("kernel_info_reply", "info-0")])
    iopub = Channel([_msg("iopub_welcome", None), _msg("status", "info-0", execution_state="busy"),
                     _msg("status", "info-0", execution_state="idle")])
    client, sent = _client(shell, iopub)
    asyncio.run(client.wait_for_ready(timeout=5))
    assert sent == ["info-0", "handled"]
    assert iopub.messages == [] and iopub.waited == []  # the handshake read to its end, and not one wait more


def test_iopub_not_yet_connected_asks_again():
    # the first request's idle never reached the client (IOPub connected late): it asks again, and is ready then
    shell = Channel([_msg("kernel_info_reply", "info-0"), _msg("kernel_info_reply", "info-1")])
    iopub = Channel([])
    client, sent = _client(shell, iopub)

    async def late_iopub(timeout=None):
        if sent[-1] == "info-1":
            return _msg("status", "info-1", execution_state="idle")
        iopub.waited.append(timeout)
        raise Empty

    iopub.get_msg = late_iopub
    asyncio.run(client.wait_for_ready(timeout=5))
    assert sent == ["info-0", "info-1", "handled"]
    assert iopub.waited == [0.2]


def test_a_dead_kernel_is_reported():
    client, _sent = _client(Channel([]), Channel([]), alive=False)
    with pytest.raises(RuntimeError, match="kernel_info"):
        asyncio.run(client.wait_for_ready(timeout=5))


def test_the_grading_kernel_manager_hands_out_this_client():
    manager = SandboxKernelManager(kernel_name="python3")
    assert manager.client_factory is SandboxKernelClient
