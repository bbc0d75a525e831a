"""The app served by a real gunicorn subprocess on a free 127.0.0.1 port, for the tests
that need a real server (a crash between COMMIT and the answer, a browser going offline)
and for the benchmarks, which measure through the whole stack.

    server = GunicornServer(database_url, workers=2).start()
    try:
        requests.get(f"{server.url}/healthz")
    finally:
        server.stop()
"""
import os
import re
import signal
import socket
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import requests

from app.core.fields import luhn_valid

ROOT = Path(__file__).resolve().parent.parent

# Every log a server of this process wrote, with the offset where this process's part
# begins (a browser test's log is kept across runs): the suite ends by reading them all
# for card numbers (tests/conftest.py).
WRITTEN_LOGS = {}


def free_port() -> int:
    """A port nobody listens on now (the OS picks it; gunicorn binds it a moment later)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class GunicornServer:
    """`gunicorn wsgi:app` on the given database. The port is chosen once, so stop() and
    start() bring the same origin back (a phone's service worker sees its server return).

    env is added to this process's environment; a value of None removes that variable,
    so a hook set in the caller's shell cannot leak into a server that must not have it.
    With a log path the server's output and access log are appended there; without one
    they are discarded (a benchmark must not pay for writing them)."""

    def __init__(self, database_url, workers=1, threads=1, env=None, log=None, port=None):
        self.database_url = database_url
        self.workers = workers
        self.threads = threads
        self.extra_env = env or {}
        self.log = Path(log) if log else None
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None

    def start(self, timeout=60):
        """Start and wait until /healthz answers (the workers have imported the app)."""
        env = dict(
            os.environ,
            DATABASE_URL=self.database_url,
            PYTHONUNBUFFERED="1",
            # The production settings (gunicorn.conf.py); the access log only when kept.
            GUNICORN_ACCESS_LOG="-" if self.log else "",
        )
        for name, value in self.extra_env.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        if self.log:
            self.log.parent.mkdir(parents=True, exist_ok=True)
            WRITTEN_LOGS.setdefault(self.log, self.log.stat().st_size if self.log.exists() else 0)
            with open(self.log, "ab") as out:
                self.process = subprocess.Popen(self._command(), cwd=ROOT, env=env,
                                                stdout=out, stderr=out)
        else:
            self.process = subprocess.Popen(self._command(), cwd=ROOT, env=env,
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._wait_for_health(timeout)
        return self

    def _command(self):
        cmd = [
            sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"),
            "--workers", str(self.workers), "--threads", str(self.threads),
            "--bind", f"127.0.0.1:{self.port}",
            "--graceful-timeout", "2",
            # Each server is its own: gunicorn 27 otherwise shares one control socket
            # (~/.gunicorn/gunicorn.ctl) between every server on the machine.
            "--no-control-socket",
        ]
        return cmd + ["wsgi:app"]

    def _wait_for_health(self, timeout):
        where = f"see {self.log}" if self.log else "no log kept (pass log=...)"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.process = None
                raise RuntimeError(f"gunicorn exited on start; {where}")
            try:
                if requests.get(f"{self.url}/healthz", timeout=5).status_code == 200:
                    return
            except requests.RequestException:  # not listening yet, or still importing
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer /healthz within {timeout}s; {where}")

    def stop(self):
        """Quick shutdown (SIGQUIT): open keep-alive connections (a browser's) must not
        keep the server alive; killed if it still has not gone after 10 s."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None


def scan_for_cards(text):
    """Luhn-valid runs of 16-19 digits standing alone, after normalising the text."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    runs = re.findall(r"(?<![0-9A-Za-z])[0-9]{16,19}(?![0-9A-Za-z])", text)
    return [r for r in runs if luhn_valid(r)]


def card_numbers_in_written_logs():
    """{log: Luhn-valid runs} over what this process's servers wrote to their logs."""
    found = {}
    for path, start in WRITTEN_LOGS.items():
        if not path.exists():  # a test's tmp_path, already removed
            continue
        with open(path, "rb") as log:
            log.seek(start)
            runs = scan_for_cards(log.read().decode(errors="replace"))
        if runs:
            found[str(path)] = runs
    return found
