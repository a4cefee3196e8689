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
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
ROOT = str(Path(__file__).resolve().parents[1]) + "/"  # frames of our code (any checkout)

from bench.e2e_support import Bench, county_facts, door_message  # noqa: E402
from bench.e2e_throughput import complaint  # noqa: E402
from tests.support.infra import locate  # noqa: E402


def summarise(collapsed: Path, top: int = 15) -> str:
    own, package, total = Counter(), Counter(), 0
    for line in collapsed.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        frames, count = stack.split(";"), int(n)
        total += count
        ours = [f for f in frames if ROOT in f and "/.venv/" not in f]
        own[(ours[-1] if ours else frames[-1]).split(" (")[0]] += count
        leaf = frames[-1]
        pkg = leaf.split("site-packages/")[1].split("/")[0] if "site-packages/" in leaf else (
            "our code" if ROOT in leaf else "stdlib/other")
        package[pkg] += count
    lines = [f"{total} samples", "by innermost frame of our code (inclusive of what it calls):"]
    lines += [f"  {100 * n / total:5.1f}%  {f}" for f, n in own.most_common(top)]
    lines += ["by package of the innermost frame (own time):"]
    lines += [f"  {100 * n / total:5.1f}%  {p}" for p, n in package.most_common(10)]
    return "\n".join(lines)


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
        exts = []
        for i in range(args.events):
            ext, data = complaint(i, "prof", b.units[i % len(b.units)])
            exts.append(ext)
            await b.producer.send(b.topic("xn.in.complaints"),
                                  door_message("complaint.filed", ext, data), key=ext.encode())
        await b.producer.flush()
        await b.wait_notices(set(exts), timeout=170)
        await asyncio.to_thread(raw.wait)
    finally:
        await b.stop()
    print(f"{args.service}: py-spy, {args.events} complaints through the pipeline ({out})")
    print(summarise(out / "stacks.txt"))


if __name__ == "__main__":
    asyncio.run(main())
