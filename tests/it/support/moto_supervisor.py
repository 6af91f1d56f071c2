"""Runs one moto_server for every test process of a run, and stops it once
none of them needs it any more.

Usage: moto_supervisor.py MOTO_SERVER... LEASE_FILE (MOTO_SERVER: the command, with its arguments)

moto binds a port the kernel picks (port 0) and this prints that port on
stdout, one line, then closes stdout. Each test process that uses the server
holds a shared flock on LEASE_FILE for as long as it runs; when no process
has held it for GRACE seconds, the server is stopped. The grace period lets a
test runner that starts one process per test (cargo-nextest) reuse the server
from one test to the next.
"""

import fcntl
import re
import subprocess
import sys
import threading
import time

GRACE = 5.0


def main() -> int:
    moto, lease_path = sys.argv[1:-1], sys.argv[-1]
    server = subprocess.Popen(
        moto + ["-p", "0", "-H", "127.0.0.1"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    port = None
    seen = []
    for line in server.stderr:
        seen.append(line)
        found = re.search(r"Running on http://127\.0\.0\.1:(\d+)", line)
        if found:
            port = found.group(1)
            break
    if port is None:
        server.wait()
        sys.stderr.write(f"moto_server exited ({server.returncode}): {''.join(seen)}")
        return 1
    print(port, flush=True)
    sys.stdout.close()

    # Nobody reads moto's request log; a full pipe must not block it.
    threading.Thread(target=lambda: [None for _ in server.stderr], daemon=True).start()

    with open(lease_path, "a") as lease:
        idle_since = None
        while server.poll() is None:
            time.sleep(0.2)
            try:
                fcntl.flock(lease, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                idle_since = None
                continue
            now = time.monotonic()
            idle_since = idle_since or now
            if now - idle_since >= GRACE:
                # Still holding the lock: a process that wants the server
                # waits, then finds it gone and starts another.
                server.terminate()
                server.wait()
                return 0
            fcntl.flock(lease, fcntl.LOCK_UN)
    return 0


if __name__ == "__main__":
    sys.exit(main())
