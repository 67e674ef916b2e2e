"""Picking free TCP ports on the loopback interface.

mitmproxy refuses two listen modes on ``127.0.0.1:0`` (it sees the same
address twice), so the proxy picks concrete free ports first: bind a socket
to port 0, read the port the kernel chose, close it. Another process may take
such a port before mitmproxy binds it; the engine retries with fresh ports
when a listener fails to bind.
"""

from __future__ import annotations

import socket

__all__ = ["free_ports"]


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """``count`` distinct ports that were free on ``host`` a moment ago."""
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sockets.append(sock)
            sock.bind((host, 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()
