"""Kernels for the runner: IPC sockets instead of TCP ports, so many kernels starting at once
cannot collide on a port (papermill #511) and nothing listens on the network."""

import os
import tempfile
import uuid

from jupyter_client.manager import AsyncKernelManager
from traitlets import default


class IPCKernelManager(AsyncKernelManager):
    @default("transport")
    def _default_transport(self) -> str:
        return "ipc"

    @default("ip")
    def _default_ip(self) -> str:
        # One short, unique socket prefix per kernel: the default is shared by every kernel
        # started in the same folder, and a socket path must stay under about 100 characters.
        return os.path.join(tempfile.gettempdir(), f"evalkit-{uuid.uuid4().hex[:12]}")

    async def _async_interrupt_kernel(self) -> None:
        # jupyter_client interrupts a kernel before every shutdown; a kernel caught mid-message
        # then logs "KeyboardInterrupt caught in kernel" into the run's output. Not when shutting
        # down: the shutdown request follows anyway.
        if not self.shutting_down:
            await super()._async_interrupt_kernel()

    interrupt_kernel = _async_interrupt_kernel
