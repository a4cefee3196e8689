"""What creating a notice file costs on this disk right now, through the local outbox's own
write path (unnamed file, link, one syncfs per group of 32).

    uv run python -m bench.disk_probe [folder] [--files 2000]

On the shared machine this cost is not a constant: the same code measured 0.08–0.73 ms of CPU
per file within minutes, dearest after thousands of files were deleted shortly before (every
test and reliability run creates and deletes tens of thousands; why the journal-less ext4
volume behaves so was not pinned down). Notify writes one file per SMS and the bare loop one
per event, so the end-to-end bench reports this figure next to its own (`disk_probe`)."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from services.notify.channels.outbox import GROUP_MAX, FileToWrite, write_files  # noqa: E402


def probe(folder: Path, files: int = 2000, remove: bool = True) -> dict[str, float]:
    """CPU (this thread) and wall time per file, written under `folder`/probe-*. Removed after
    unless `remove` is False: files deleted just before others are created make the creating
    dearer for a while, so a probe taken before a measured phase leaves its files for the
    caller to remove afterwards."""
    root = Path(tempfile.mkdtemp(prefix="probe-", dir=folder))
    try:
        now, made = datetime.now(UTC), set()
        todo = [FileToWrite(f"p{i:06d}", ".txt", b"x" * 300, now) for i in range(files)]
        cpu, wall = time.thread_time(), time.perf_counter()
        for i in range(0, files, GROUP_MAX):
            failed = [r for r in write_files(root, todo[i:i + GROUP_MAX], made)
                      if isinstance(r, OSError)]
            if failed:
                raise failed[0]
        return {"cpu_ms_per_file": round(1000 * (time.thread_time() - cpu) / files, 3),
                "wall_ms_per_file": round(1000 * (time.perf_counter() - wall) / files, 3)}
    finally:
        if remove:
            shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("folder", nargs="?", default=tempfile.gettempdir())
    p.add_argument("--files", type=int, default=2000)
    args = p.parse_args()
    print(probe(Path(args.folder), args.files))


if __name__ == "__main__":
    main()
