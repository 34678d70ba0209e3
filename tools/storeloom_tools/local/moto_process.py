"""moto's server in a process of its own, so it has a core to itself rather than a share of the stack's GIL.

A fresh interpreter spends about 3 s importing moto and the services the stack uses, which every local
stack the e2e tests start would pay again. So one warm process per stack process (the zygote:
``python -m storeloom_tools.local.moto_process``) imports them once (moto_preload), and forks each moto
server from there in a few milliseconds.

Each server installs the local stack's moto patches and the Lambda seam (each invoke posted back to the
stack's SeamServer, where the handler runs), serves moto on its port and says so on a socket whose other end
the stack holds. It exits when that end closes: on ``stop``, at exit, and when the stack's process dies
however it dies (SIGKILL included: the kernel closes its sockets). The zygote exits the same way.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import storeloom
import storeloom_tools

START_TIMEOUT_SECONDS = 60.0
_MESSAGE_BYTES = 4096


class MotoProcess:
    """One moto server process on ``port``; ``stop`` (or this process ending) ends it."""

    def __init__(self, port: int, seam_url: str) -> None:
        self.port = port
        self._seam_url = seam_url
        self._socket: socket.socket | None = None
        self.pid: int | None = None

    def start(self, timeout: float = START_TIMEOUT_SECONDS) -> MotoProcess:
        ours, theirs = socket.socketpair()
        self._socket = ours
        atexit.register(self.stop)
        try:
            with theirs:
                _ZYGOTE.fork(json.dumps({"port": self.port, "seam_url": self._seam_url}).encode(), theirs, timeout)
            self.pid = self._wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self, timeout: float = 2.0) -> None:
        """Close our end (the server exits on that), then terminate and at last kill it if it lingers."""
        own, self._socket = self._socket, None
        if own is None:
            return
        atexit.unregister(self.stop)
        own.close()
        pid, self.pid = self.pid, None
        if pid is not None:
            _end(pid, timeout)

    def _wait_ready(self, timeout: float) -> int:
        assert self._socket is not None
        self._socket.settimeout(timeout)
        try:
            line = self._socket.recv(_MESSAGE_BYTES).decode()
        except TimeoutError:
            raise TimeoutError(f"the moto server did not serve on port {self.port} within {timeout:.0f} s") from None
        finally:
            self._socket.settimeout(None)
        word, _, rest = line.partition(" ")
        if word != "ready":
            raise RuntimeError(f"the moto server for port {self.port} failed to start: {line or 'it exited'}")
        return int(rest)


class _Zygote:
    """The warm process servers fork from: started on first use, then kept for this process's lifetime."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._control: socket.socket | None = None

    def fork(self, request: bytes, child_end: socket.socket, timeout: float) -> None:
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self._spawn()
            assert self._control is not None
            self._control.settimeout(timeout)
            try:
                socket.send_fds(self._control, [request], [child_end.fileno()])
                reply = self._control.recv(_MESSAGE_BYTES)
            finally:
                self._control.settimeout(None)
            if reply != b"forked":
                raise RuntimeError(f"the moto zygote did not fork a server: {reply.decode(errors='replace')!r}")

    def _spawn(self) -> None:
        ours, theirs = socket.socketpair()
        command = [sys.executable, "-m", __name__]
        with theirs:
            self._process = subprocess.Popen(command, stdin=theirs.fileno(), env=_child_env())
        self._control = ours
        atexit.register(self.close)

    def close(self) -> None:
        if self._control is not None:
            self._control.close()
            self._control = None
        if self._process is not None:
            try:
                self._process.wait(2.0)
            except subprocess.TimeoutExpired:
                self._process.kill()
            self._process = None


_ZYGOTE = _Zygote()


def zygote_pid() -> int | None:
    """The warm process this process forks its moto servers from, once one has started."""
    process = _ZYGOTE._process
    return process.pid if process is not None and process.poll() is None else None


def _end(pid: int, timeout: float) -> None:
    """Wait for ``pid`` (the zygote's child, which the zygote reaps) to go; terminate, then kill it if not."""
    for escalate in (None, signal.SIGTERM, signal.SIGKILL):
        try:
            if escalate is not None:
                os.kill(pid, escalate)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                os.kill(pid, 0)
                time.sleep(0.01)
        except ProcessLookupError:
            return


def _child_env() -> dict[str, str]:
    """The parent's environment, with the folders this code was imported from first, so the zygote runs the
    same code however the parent found it (an installed package, or pytest's pythonpath)."""
    folders = [str(Path(package.__file__ or "").resolve().parents[1]) for package in (storeloom, storeloom_tools)]
    inherited = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": os.pathsep.join([*folders, *([inherited] if inherited else [])])}


def serve(port: int, seam_url: str, stack: socket.socket, application: Any = None) -> None:
    """A server process: patch moto, serve ``application`` (moto's WSGI app) on ``port``, exit when ``stack``
    closes."""
    from werkzeug.serving import make_server

    from storeloom_tools.local import lambda_seam, moto_hot_paths, moto_patches
    from storeloom_tools.local.seam_bridge import remote_dispatch

    # moto's Step Functions runner calls Lambda through boto3 at localhost:$MOTO_PORT, from this process.
    os.environ["MOTO_PORT"] = str(port)
    moto_patches.install()
    moto_hot_paths.install()
    lambda_seam.install(remote_dispatch(seam_url))
    server = make_server("127.0.0.1", port, application or warm_application(()), threaded=True)
    stack.sendall(f"ready {os.getpid()}".encode())
    threading.Thread(target=_exit_on_close, args=(stack,), name="stack-watch", daemon=True).start()
    server.serve_forever()


def _exit_on_close(watched: socket.socket) -> None:
    try:
        while watched.recv(_MESSAGE_BYTES):
            pass
    except OSError:
        pass
    os._exit(0)


def warm_application(services: tuple[str, ...]) -> Any:
    """moto's WSGI app with each of ``services`` already built (moto builds a service's routes, its backend
    for the default account and region, and reads botocore's model of it, on its first request)."""
    from moto.core.utils import get_service_model
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    application = DomainDispatcherApplication(create_backend_app)
    for service in services:
        application.app_instances[service] = application.create_app(service)  # type: ignore[arg-type]
        if service != "moto_api":
            get_service_model(service)
    return application


def zygote(control: socket.socket) -> None:
    """Fork a server for each request until the stack closes ``control``."""
    from storeloom_tools.local import moto_preload

    # Built here once, before any fork: each server starts from a copy, and no server has state to share.
    application = warm_application(moto_preload.SERVICES)
    # Servers are reaped as they exit; the stack waits for them by pid.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    while True:
        request, fds, _flags, _address = socket.recv_fds(control, _MESSAGE_BYTES, 1)
        if not request:
            os._exit(0)
        if os.fork() == 0:
            control.close()
            _become_server(json.loads(request), socket.socket(fileno=fds[0]), application)
        for fd in fds:
            os.close(fd)
        control.sendall(b"forked")


def _become_server(request: dict[str, object], stack: socket.socket, application: Any) -> None:
    try:
        serve(int(str(request["port"])), str(request["seam_url"]), stack, application)
    except BaseException as error:
        stack.sendall(f"{type(error).__name__}: {error}".encode())
    os._exit(1)


def main() -> None:
    # Ctrl-C reaches the whole process group; the stack stops its servers in its own order.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
        os.environ.setdefault(name, value)  # moto's own Step Functions runner signs its Lambda calls
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    stdin = sys.stdin.fileno()
    control = socket.socket(fileno=os.dup(stdin))
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, stdin)
    os.close(devnull)
    zygote(control)


if __name__ == "__main__":
    main()
