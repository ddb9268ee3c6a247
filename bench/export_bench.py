"""Benchmark: export a large program in every format; time and peak memory of each.

    python bench/export_bench.py [--participants 10000] [--answers-per-participant 20]
                                 [--database-url URL] [--keep]

Seeds a demo program with `palaver demo-data` in a fresh SQLite file (or the empty
database at --database-url), then runs `palaver export` once per format, each in its own
process, and reports wall time and peak resident memory. Exits 1 if any export takes longer
than 20 s or more than 500 MB (the targets of issue 13).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FORMATS = ("json", "csv", "md", "html")
MAX_SECONDS = 20.0
MAX_MEGABYTES = 500.0
PALAVER = [sys.executable, "-m", "bot"]


def run(arguments: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run a palaver command; its wall time in seconds and peak memory in MB, and output."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [*PALAVER, *arguments], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    output = process.stdout.read().decode() if process.stdout else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"palaver {' '.join(arguments)} failed:\n{output}")
    return elapsed, usage.ru_maxrss / 1024, output  # ru_maxrss is in KB on Linux


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--answers-per-participant", type=int, default=20)
    parser.add_argument("--database-url", help="an empty database (default: a new SQLite file)")
    parser.add_argument("--keep", action="store_true", help="keep the folder with the files")
    options = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="palaver-bench-"))
    url = options.database_url or f"sqlite:///{folder / 'bench.db'}"
    root = Path(__file__).resolve().parents[1]
    env = {
        **os.environ,
        "PALAVER_DATABASE_URL": url,
        "PALAVER_DIALOGUES_DIR": str(root / "dialogues"),
        "PALAVER_LOCALES_DIR": str(root / "locales"),
        "PALAVER_LOG_LEVEL": "WARNING",
    }
    run(["migrate"], env)
    seconds, _, output = run(
        [
            "demo-data",
            "--participants",
            str(options.participants),
            "--answers-per-participant",
            str(options.answers_per_participant),
            "--seed",
            "1",
        ],
        env,
    )
    print(output.strip().splitlines()[0])
    print(f"seeding took {seconds:.1f} s\n")

    failed = False
    print(f"{'format':<7} {'seconds':>8} {'peak MB':>8} {'bytes':>10}")
    for export_format in FORMATS:
        out = folder / f"export.{export_format}"
        seconds, megabytes, _ = run(
            ["export", "--program", "1", "--format", export_format, "--out", str(out)], env
        )
        ok = seconds <= MAX_SECONDS and megabytes <= MAX_MEGABYTES
        failed |= not ok
        print(
            f"{export_format:<7} {seconds:>8.2f} {megabytes:>8.1f} {out.stat().st_size:>10}"
            f"{'' if ok else '  TOO SLOW OR TOO LARGE'}"
        )
    if options.keep:
        print(f"\nfiles kept in {folder}")
    else:
        for path in sorted(folder.iterdir(), reverse=True):
            path.unlink()
        folder.rmdir()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
