"""Helpers the HTTP scripts share (bench-server.py, soak.py): start a cyxwiz-api binary on a
free loopback port, and read a process's resident memory."""
import socket
import subprocess
import sys
import time

import httpx


def rss_mb(pid):
    """Resident memory of `pid` in MB (VmRSS), or None when it is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(binary, config, log=subprocess.DEVNULL):
    """Starts `binary serve --config config` on a free port; returns the process and the
    base URL (ending in /v1) once /health answers."""
    port = free_port()
    process = subprocess.Popen([binary, "serve", "--config", config, "--address", f"127.0.0.1:{port}"],
                               stdout=log, stderr=subprocess.STDOUT if log is not subprocess.DEVNULL else subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while time.time() < deadline:
        if process.poll() is not None:
            sys.exit(f"error: {binary} exited with status {process.returncode} before listening")
        try:
            if httpx.get(base + "/health", timeout=1).status_code == 200:
                return process, base + "/v1"
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    sys.exit("error: the server did not answer /health within 120 s")
