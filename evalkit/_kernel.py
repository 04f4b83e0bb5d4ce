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
