"""Bring the whole stack up on loopback: moto server, resources from template.yaml, real handlers.

moto serves from a process of its own (moto_process) and calls back into this one, over loopback, to run
a Lambda function (seam_bridge); the function URL server, the event-source pollers and the handlers run
here.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from storeloom.bootstrap.runtime import AwsClients, Runtime
from storeloom_tools.local.creators import CREATORS
from storeloom_tools.local.dispatch import ScheduleTicker, SqsPoller
from storeloom_tools.local.endpoint import LOCAL_CREDENTIALS
from storeloom_tools.local.invoker import HandlerInvoker
from storeloom_tools.local.moto_process import MotoProcess
from storeloom_tools.local.provision import REGION, ProvisionedStack, Provisioner
from storeloom_tools.local.routes import HttpRoutes
from storeloom_tools.local.seam_bridge import SeamServer
from storeloom_tools.local.url_server import serve

logger = logging.getLogger(__name__)
STACK_NAME = "storeloom-local"
MOTO_CONFIG = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}


def project_root() -> Path:
    """The folder holding template.yaml: the working directory or one of its parents."""
    for folder in (Path.cwd(), *Path.cwd().parents):
        if (folder / "template.yaml").is_file() and (folder / "functions").is_dir():
            return folder
    raise FileNotFoundError("template.yaml not found here or above; run from the Storeloom project")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def use_local_credentials() -> None:
    """Code that builds its own boto3 client finds some credentials (moto accepts any); real ones, if set,
    are left alone."""
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
        os.environ.setdefault(name, value)
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)


class LocalStack:
    def __init__(self, root: Path | None = None, aws_port: int = 0, webhook_port: int = 0, quiet: bool = False) -> None:
        self.root = root or project_root()
        self.quiet = quiet
        self.aws_port = aws_port or free_port()
        self.webhook_port = webhook_port or free_port()
        self.aws_endpoint_url = f"http://127.0.0.1:{self.aws_port}"
        self.webhook_base_url = f"http://127.0.0.1:{self.webhook_port}/"
        self.aws = AwsClients(self.aws_endpoint_url, REGION, LOCAL_CREDENTIALS)
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()
        self._moto: MotoProcess | None = None
        self._seam: SeamServer | None = None
        self.stack: ProvisionedStack | None = None

    def start(self, background: bool = True) -> LocalStack:
        try:
            return self._start(background)
        except BaseException:
            self.stop()  # a half-started stack leaves no moto process behind
            raise

    def _start(self, background: bool) -> LocalStack:
        # The invoker exists once the stack is provisioned; nothing invokes a function before that.
        self._seam = SeamServer(lambda name, event: self.invoker.invoke_by_name(name, event))
        self._moto = MotoProcess(self.aws_port, self._seam.url).start()
        httpx.post(f"{self.aws_endpoint_url}/moto-api/config", json=MOTO_CONFIG).raise_for_status()
        use_local_credentials()
        self.stack = Provisioner(self.root, self.client, STACK_NAME, self.webhook_base_url, CREATORS).provision()
        self.runtime = Runtime(self.stack.environment(), self.aws)
        if self.quiet:
            # The handlers' own logs and metrics would bury a demo's report; errors still show.
            os.environ.update(POWERTOOLS_LOG_LEVEL="ERROR", POWERTOOLS_METRICS_DISABLED="true")
        self.invoker = HandlerInvoker(self.root, self.stack, self.runtime)
        self.sqs = SqsPoller(self.stack, self.invoker, self.client("sqs"))
        self.ticker = ScheduleTicker(self.invoker, self.client("scheduler"))
        self.ticker.prime()
        self._serve_function_url()
        if background:
            for source in self.sqs.sources:
                self._spawn(lambda source=source: self._survive_loop(lambda: self.sqs.pump(source, self._stopping)))
            self._spawn(self._tick_schedules)
        return self

    def client(self, service: str) -> Any:
        return self.aws.client(service)

    def stack_env(self, variable: str) -> str:
        """A resource name as the functions see it in their environment (e.g. STORES_TABLE)."""
        return self.stack_env_all()[variable]

    def stack_env_all(self) -> dict[str, str]:
        assert self.stack is not None
        return self.stack.environment()

    def describe(self) -> dict[str, Any]:
        assert self.stack is not None
        return {
            "stack_name": STACK_NAME,
            "aws_endpoint_url": self.aws_endpoint_url,
            "webhook_base_url": self.webhook_base_url,
            "region": REGION,
            "environment": self.stack.environment(),
            "refs": self.stack.refs,
            "pid": os.getpid(),
        }

    def record(self, path: Path | None = None) -> Path:
        """Write .storeloom/local.json so other commands and tests find this stack."""
        home = os.environ.get("STORELOOM_HOME")
        target = path or (Path(home) / "local.json" if home else self.root / ".storeloom" / "local.json")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(self.describe(), indent=2))
        return target

    def drain(self, timeout: float = 30.0, settle: float = 0.3) -> bool:
        """Wait until every event-source queue is empty and no handler is running."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.sqs.pending() == 0 and self.sqs.is_idle():
                time.sleep(settle)
                if self.sqs.pending() == 0 and self.sqs.is_idle():
                    return True
            time.sleep(0.1)
        return False

    def stop(self, timeout: float = 2.0) -> None:
        """Stop the background loops (waiting at most ``timeout`` seconds in all for a handler they are
        running; the threads are daemons), then the function URL server, the moto process and the seam."""
        self._stopping.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        if hasattr(self, "_http"):
            self._http.shutdown()
            self._http.server_close()
        if self._moto is not None:
            self._moto.stop()
        if self._seam is not None:
            self._seam.close()

    def _serve_function_url(self) -> None:
        assert self.stack is not None
        url_functions = [spec for spec in self.stack.functions.values() if spec.has_url]
        if not url_functions:
            return
        routes = HttpRoutes.of(self.root, self.stack, default=url_functions[0].logical_id)
        self._http = serve(self.webhook_port, lambda event: routes.dispatch(event, self.invoker.invoke))
        self._spawn(self._http.serve_forever, joins=False)

    def _spawn(self, target: Any, joins: bool = True) -> None:
        thread = threading.Thread(target=target, daemon=True)
        thread.start()
        if joins:
            self._threads.append(thread)

    def _survive_loop(self, work: Any) -> None:
        """Run ``work`` again after a failure (moto busy, or stopping under it) until the stack stops."""
        while not self._stopping.is_set():
            self._survive(work)
            self._stopping.wait(0.05)

    def _tick_schedules(self) -> None:
        while not self._stopping.wait(1.0):
            self._survive(self.ticker.fire_due)

    def _survive(self, work: Any) -> Any:
        """A background loop outlives one failed round (moto busy, or stopping under it): log and go on."""
        try:
            return work()
        except Exception:
            if not self._stopping.is_set():
                logger.exception("local stack background work failed; retrying")
            return 0
