"""How long the test suite takes: runs it once and prints the wall time and the slowest tests.

    .venv/bin/python bench/suite.py            # as `pytest` runs it (parallel, see pyproject)
    .venv/bin/python bench/suite.py -n 0       # in one process, for comparison

The suite should stay under 3 minutes on a quiet 2-core machine (issue 12); a busy machine
takes longer, so compare runs made under the same conditions. The CPU seconds it prints (pytest
and every process it waited for) vary far less with the machine's load than the wall time:
the wall time on a quiet machine is at least that divided by its cores. Extra arguments go
to pytest.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--durations=10"]
    began = time.perf_counter()
    done = subprocess.run([*command, *sys.argv[1:]], cwd=REPO, capture_output=True, text=True)
    seconds = time.perf_counter() - began
    lines = done.stdout.splitlines()
    slowest = lines.index(next(line for line in lines if "slowest" in line)) if lines else 0
    print("\n".join(lines[slowest : slowest + 12]))
    print("\n".join(line for line in lines if line.startswith(("FAILED", "ERROR"))))
    print(lines[-1] if lines else done.stderr.strip())
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = used.ru_utime + used.ru_stime
    wall = f"{seconds:.0f} s wall ({seconds / 60:.1f} min)"
    print(f"suite: {wall}, {cpu:.0f} s CPU, exit {done.returncode}")
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
