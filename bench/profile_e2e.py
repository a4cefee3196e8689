"""Profile one service under the end-to-end load (py-spy, sampling the live process).

    uv run python bench/profile_e2e.py [--service notify] [--events 3000] [--seconds 30]

Same deployment as bench/e2e_throughput.py (30 units, shared broker/database, fresh namespace);
py-spy records the chosen service's process (subprocesses and idle frames excluded) while a
backlog of complaint.filed goes through; prints where its CPU time goes, by own time of the
innermost frame in our code and by package, and leaves the collapsed stacks (py-spy's raw
format, for flamegraph.pl or speedscope) in the folder it names."""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
# py-spy names a frame's file relative to its sys.path entry: "services/notify/sender.py",
# "aiokafka/conn.py", "asyncio/events.py". The first part tells our code from a package's.
OURS = ("services", "shared", "deploy", "bench")

from bench.e2e_support import Bench, county_facts, door_message  # noqa: E402
from bench.e2e_throughput import complaint  # noqa: E402
from tests.support.infra import locate  # noqa: E402


def _top(frame: str) -> str:
    """'Sender.run (services/notify/sender.py:93)' → 'services'; '<frozen runpy>' → as is."""
    path = frame.rpartition(" (")[2].rstrip(")").rsplit(":", 1)[0]
    return path.split("/", 1)[0] if "/" in path else path


def summarise(collapsed: Path, top: int = 15) -> str:
    own, package, total = Counter(), Counter(), 0
    for line in collapsed.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        frames, count = stack.split(";"), int(n)
        total += count
        ours = [f for f in frames if _top(f) in OURS]
        own[(ours[-1] if ours else frames[-1]).split(" (")[0]] += count
        leaf_top = _top(frames[-1])
        package["our code" if leaf_top in OURS else leaf_top] += count
    lines = [f"{total} samples", "by innermost frame of our code (inclusive of what it calls):"]
    lines += [f"  {100 * n / total:5.1f}%  {f}" for f, n in own.most_common(top)]
    lines += ["by package of the innermost frame (own time):"]
    lines += [f"  {100 * n / total:5.1f}%  {p}" for p, n in package.most_common(10)]
    return "\n".join(lines)


def thread_cpu(pid: int) -> dict[int, float]:
    """CPU seconds (user + system) of each thread of the process so far."""
    out = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the thread ended meanwhile
            continue
        out[int(task.name)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return out


def thread_split(pid: int, before: dict[int, float], after: dict[int, float], n: int) -> str:
    """py-spy counts a worker thread waiting in fsync as busy; the kernel's counters do not."""
    used = {tid: s - before.get(tid, 0.0) for tid, s in after.items()}
    main_s = used.pop(pid, 0.0)
    rest = sum(used.values())
    return (f"CPU during the load, from /proc: event-loop thread {main_s:.2f} s "
            f"({main_s * 1000 / n:.3f} ms per complaint), {len(used)} other threads "
            f"{rest:.2f} s ({rest * 1000 / n:.3f} ms per complaint)")


async def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--service", default="notify")
    p.add_argument("--events", type=int, default=3000)
    p.add_argument("--seconds", type=int, default=30)
    args = p.parse_args()
    infra, _, why = locate()
    if infra is None:
        sys.exit(why)
    out = Path(tempfile.mkdtemp(prefix="xn-profile-"))
    b = await Bench.start(infra)
    try:
        b.units = await b.load_roster(county_facts(30))
        pid = b.pids()[args.service]
        rec = ["py-spy", "record", "--pid", str(pid), "--duration", str(args.seconds), "--rate", "100"]
        raw = subprocess.Popen([*rec, "--format", "raw", "-o", str(out / "stacks.txt")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        threads_before = thread_cpu(pid)
        exts = []
        for i in range(args.events):
            ext, data = complaint(i, "prof", b.units[i % len(b.units)])
            exts.append(ext)
            await b.producer.send(b.topic("xn.in.complaints"),
                                  door_message("complaint.filed", ext, data), key=ext.encode())
        await b.producer.flush()
        await b.wait_notices(set(exts), timeout=170)
        split = thread_split(pid, threads_before, thread_cpu(pid), args.events)
        await asyncio.to_thread(raw.wait)
    finally:
        await b.stop()
    print(f"{args.service}: py-spy, {args.events} complaints through the pipeline ({out})")
    print(split)
    print(summarise(out / "stacks.txt"))


if __name__ == "__main__":
    asyncio.run(main())
