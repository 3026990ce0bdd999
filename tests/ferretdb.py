"""FerretDB for the real-MongoDB tests: MongoDB's wire protocol on SQLite, one process per
test session on free loopback ports, its files in a temporary directory. A test may stop it
(or kill it) and start it again: same port, same files, same data.

`make ferretdb` (run by `make test`) builds it once per user with scripts/build-ferretdb,
which also says where the binary is. Telemetry is always off: it must never call out.
"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import pytest
from pymongo import MongoClient
from pymongo.errors import PyMongoError

BUILD_SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "build-ferretdb"
START_UP_SECONDS = 30.0


def binary() -> Path:
    """Where scripts/build-ferretdb keeps the binary; fails the test if it is not there."""
    path = Path(
        subprocess.run(
            [str(BUILD_SCRIPT), "--path"], check=True, capture_output=True, text=True
        ).stdout.strip()
    )
    if not path.is_file():
        pytest.fail(
            f"FerretDB is not built ({path} is missing): run `make ferretdb` "
            "(or set TESSERA_TEST_MONGODB_URL to a MongoDB of your own)",
            pytrace=False,
        )
    return path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class FerretDB:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.log = directory / "ferretdb.log"
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/"

    def start(self) -> None:
        """Start it; again after `stop` or `kill`, on the same port and the same files."""
        data, state = self.directory / "data", self.directory / "state"
        data.mkdir(exist_ok=True)
        state.mkdir(exist_ok=True)
        command = [
            str(binary()),
            "--handler=sqlite",
            # Throwaway data: no fsync at each commit (about a fifth faster here).
            f"--sqlite-url=file:{data}/?_pragma=synchronous(off)",
            f"--listen-addr=127.0.0.1:{self.port}",
            f"--debug-addr=127.0.0.1:{_free_port()}",
            "--telemetry=disable",
            f"--state-dir={state}",  # else it writes state.json where it was started
            "--log-level=warn",
        ]
        with self.log.open("ab") as log:  # the child keeps its own descriptor
            self.process = subprocess.Popen(
                command, cwd=self.directory, stdout=log, stderr=subprocess.STDOUT
            )
        self._wait_for_ping()

    def _wait_for_ping(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + START_UP_SECONDS
        client: MongoClient[dict[str, object]] = MongoClient(
            self.url, serverSelectionTimeoutMS=200, connectTimeoutMS=200
        )
        try:
            while True:
                if self.process.poll() is not None:
                    self._fail(f"exited with {self.process.returncode}")
                try:
                    client.admin.command("ping")
                    return
                except PyMongoError:
                    if time.monotonic() > deadline:
                        self.stop()
                        self._fail(f"did not answer a ping in {START_UP_SECONDS:.0f} s")
                    time.sleep(0.05)
        finally:
            client.close()

    def _fail(self, what: str) -> None:
        pytest.fail(f"FerretDB {what}; its log:\n{self.log.read_text()}", pytrace=False)

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, as when the machine or the process dies."""
        if self.process is None:
            return
        self.process.kill()
        self.process.wait()
        self.process = None
