"""Seconds from `uv run townhall demo` (fresh data directory) to the first page served.

Run: `uv run python bench/demo_startup.py`. Starts the demo on a free port, polls GET / until it
answers 200, prints the time, then stops the demo with Ctrl-C (SIGINT) and checks it exits 0.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> int:
    uv = shutil.which("uv")
    command = [uv, "run", "townhall"] if uv else [sys.executable, "-m", "townhall.cli"]
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="townhall-demo-") as tmp:
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
        started = time.perf_counter()
        proc = subprocess.Popen(
            [*command, "demo", "--port", str(port), "--data-dir", str(Path(tmp) / "data")],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            while True:
                if proc.poll() is not None:
                    print(f"townhall demo exited early with code {proc.returncode}")
                    return 1
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                        if response.status == 200:
                            break
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    time.sleep(0.05)
            first_page = time.perf_counter() - started
        finally:
            proc.send_signal(signal.SIGINT)
            code = proc.wait(timeout=20)
    print(f"uv run townhall demo -> first page served: {first_page:.1f} s (fresh data dir)")
    print(f"Ctrl-C exit code: {code}")
    return 0 if code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
