"""Running the app: in the foreground (`faisceau serve`) or in a thread (tests, benchmarks)."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import uvicorn

from .app import create_app
from .workbench import Workbench


def bind(host: str, port: int) -> socket.socket:
    """A listening socket (port 0: any free port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # accepted connections inherit this. asyncio sets it itself only on sockets whose `proto` is
    # IPPROTO_TCP, which a socket made like this one (proto 0) is not; without it the response's
    # head and body, written separately, meet the client's delayed ACK: ~40 ms per request (Nagle)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


def bind_free(host: str, port: int, tries: int = 50) -> socket.socket:
    """A listening socket on `port`, or on the next free port after it (the demo's 8000 may be taken)."""
    for p in range(port, port + tries):
        try:
            return bind(host, p)
        except OSError:
            continue
    return bind(host, 0)


def server(wb: Workbench, log_level: str = "warning", **config: Any) -> uvicorn.Server:
    return serve_app(create_app(wb), log_level, **config)


def serve_app(app: Any, log_level: str = "warning", **config: Any) -> uvicorn.Server:
    """A uvicorn server for any of our ASGI apps (a project's, or a server folder's)."""
    return uvicorn.Server(uvicorn.Config(app, log_level=log_level, access_log=False, server_header=False, **config))


class Background:
    """The app served from a thread on a free port of `host` (a project's workbench, or any ASGI
    `app`: a server folder's); `stop()` ends it."""

    def __init__(self, wb: Workbench | None, host: str = "127.0.0.1", port: int = 0, app: Any = None) -> None:
        self.sock = bind(host, port)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://{host}:{self.port}"
        self.server = serve_app(app) if app is not None else server(wb)  # type: ignore[arg-type]
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the web server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()
