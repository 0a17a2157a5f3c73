"""Time `townhall seed --members N` (default 100,000) on a fresh SQLite data directory.

Run: `uv run python bench/seed_members.py [N]`. Prints the seconds for the whole command (start-up,
migrations and seeding) and for the seeding alone, plus members per second. The issue's bar is
100,000 members in under 2 minutes on SQLite.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    members = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory(prefix="townhall-bench-") as tmp:
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
        env["TOWNHALL_DATA_DIR"] = str(Path(tmp) / "data")
        migrate_started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "townhall.cli", "manage", "migrate", "--verbosity", "0"],
            env=env,
            check=True,
        )
        migrate_seconds = time.perf_counter() - migrate_started
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "townhall.cli", "seed", "--members", str(members)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        total = time.perf_counter() - started
    found = re.search(r"in ([0-9.]+) s", result.stdout)
    seeding = float(found.group(1)) if found else total
    print(f"migrate (fresh SQLite):             {migrate_seconds:8.1f} s")
    print(f"townhall seed --members {members:<10,} {total:8.1f} s  (command, including start-up)")
    print(f"  of which seeding:                 {seeding:8.1f} s  ({members / seeding:,.0f} members/s)")
    print(
        f"  within the 120 s bar:             {'yes' if total < 120 else 'NO'} ({total / 120:.2f} of the bar)"
    )
    return 0 if total < 120 else 1


if __name__ == "__main__":
    sys.exit(main())
