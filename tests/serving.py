"""`competence serve` in a child process for the tests that need a real server: started on a free
port, its address read from what it prints, its output kept (and drained, so that the pipe never
fills), and stopped at the end."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

SCRIPT = Path(sys.executable).parent / "competence"


class DidNotStart(AssertionError):
    pass


@dataclass
class Served:
    process: subprocess.Popen[str]
    url: str  # without the trailing slash
    output: list[str] = field(default_factory=list)

    def stop(self, timeout: float = 30) -> int:
        """Stop the server as a service manager would (SIGTERM); its exit status."""
        self.process.terminate()
        return self.process.wait(timeout=timeout)


@contextmanager
def serving(env: Mapping[str, str], *args: str, stop_timeout: float = 30) -> Iterator[Served]:
    """``competence serve --port 0 ARGS`` with ``env``, until the block ends."""
    process = subprocess.Popen(
        [str(SCRIPT), "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=dict(env),
    )
    assert process.stdout is not None
    served = Served(process, "")
    for line in process.stdout:
        served.output.append(line)
        found = re.search(r"running at (http://\S+)/", line)
        if found:
            served.url = found.group(1)
            break
    if not served.url:
        process.kill()
        process.wait()
        process.stdout.close()
        raise DidNotStart("the server did not start:\n" + "".join(served.output))
    drain = threading.Thread(target=lambda: served.output.extend(process.stdout or []), daemon=True)
    drain.start()
    try:
        yield served
    finally:
        if process.poll() is None:
            served.stop(stop_timeout)
        drain.join(timeout=stop_timeout)
        process.stdout.close()
