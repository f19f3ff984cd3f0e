"""Starts the real release binary on a free loopback port for the end-to-end tests."""

import os
import pathlib
import shutil
import socket
import subprocess
import tempfile
import time

import httpx
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINARY = pathlib.Path(os.environ.get("CYXWIZ_BIN", ROOT / ".build/release/cyxwiz-api"))
if not BINARY.is_absolute():
    BINARY = ROOT / BINARY
SHIPPED_CONFIG = ROOT / "config.toml"
SHIPPED_KEY = "cyxwiz-local-dev-key"
# Every server's log of this session; removed when all tests pass, kept (and named) otherwise.
LOG_DIR = pathlib.Path(tempfile.mkdtemp(prefix="cyxwiz-e2e-logs-"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_environment(**extra: str) -> dict:
    """The environment without a stray CYXWIZ_API_KEY, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if k != "CYXWIZ_API_KEY"}
    env.update(extra)
    return env


class RunningServer:
    def __init__(self, config: pathlib.Path, env: dict | None = None, extra_args: list[str] = (), address: str | None = None):
        """`address` (host:port) replaces the loopback port the server normally gets."""
        self.port = int(address.rsplit(":", 1)[1]) if address else free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        # Output goes to a file: a pipe nobody drains would fill up and block the server.
        self.log = tempfile.NamedTemporaryFile(prefix="cyxwiz-server-", suffix=".log", dir=LOG_DIR, delete=False)
        self.process = subprocess.Popen(
            [str(BINARY), "serve", "--config", str(config), "--address", address or f"127.0.0.1:{self.port}", *extra_args],
            env=env if env is not None else clean_environment(),
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early: {self.output()}")
            try:
                if httpx.get(f"{self.base_url}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("server did not become healthy within 60 s")

    def output(self) -> str:
        with open(self.log.name, encoding="utf-8", errors="replace") as handle:
            return handle.read()

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


@pytest.fixture(scope="session")
def server():
    running = RunningServer(SHIPPED_CONFIG)
    yield running
    running.stop()


def run_binary(*args: str, env: dict | None = None, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BINARY), *args],
        env=env if env is not None else clean_environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def pytest_sessionfinish(session, exitstatus):
    if exitstatus == 0:
        shutil.rmtree(LOG_DIR, ignore_errors=True)
    else:
        print(f"\nserver logs kept in {LOG_DIR}")
