#!/usr/bin/env python3
"""Reads the compile cache's sealed manifests (harness/src/execute/compile.rs).

    cache-manifests.py steps CACHE_DIR           per-step totals of the recorded timings
    cache-manifests.py replay CACHE_DIR SCRATCH  a shell script that runs every recorded
                                                 command again, serially, with no harness

Each entry's manifest.json is {"manifest_sha256": …, "manifest": {"output": …,
"checksums": …}}; its commands name the entry folder as `{cache-entry}`. The
replay gives every entry a folder of its own under SCRATCH in its place.
An entry in any other layout is an error, not a silent skip: a benchmark
that reads nothing would print a bare cost of zero.
"""
import json
import os
import shlex
import sys

PLACEHOLDER = "{cache-entry}"
# The backend's steps, in pipeline order (backend/src/pipeline.rs).
STEPS = ["rustc", "llvm-link", "opt", "llc", "ptxas", "nvdisasm"]


def entries(cache):
    """(key, output) of every published entry, in key order."""
    found = []
    for key in sorted(os.listdir(cache)):
        path = os.path.join(cache, key, "manifest.json")
        if ".tmp-" in key or key.endswith(".uncached") or not os.path.isfile(path):
            continue
        with open(path) as f:
            sealed = json.load(f)
        try:
            output = sealed["manifest"]["output"]
            output["commands"], output["timings"]
        except (KeyError, TypeError):
            sys.exit(f"cache-manifests: {path} is not a sealed manifest "
                     "(expected manifest.output.commands and .timings)")
        found.append((key, output))
    if not found:
        sys.exit(f"cache-manifests: no cache entries under {cache}")
    return found


def seconds(duration):
    return duration["secs"] + duration["nanos"] / 1e9


def steps(cache):
    totals = {}
    for _, output in entries(cache):
        for t in output["timings"]:
            s = totals.setdefault(t["step"], [0.0, 0])
            s[0] += seconds(t["duration"])
            s[1] += 1
    names = [s for s in STEPS if s in totals] + sorted(set(totals) - set(STEPS))
    all_time = sum(t for t, _ in totals.values()) or 1.0
    print(f"  {'step':<12} {'total s':>9} {'calls':>7} {'ms each':>9} {'share':>7}")
    for name in names:
        t, n = totals[name]
        print(f"  {name:<12} {t:9.2f} {n:7d} {1000 * t / n:9.1f} {100 * t / all_time:6.1f}%")
    print(f"  {'all tools':<12} {all_time:9.2f} {sum(n for _, n in totals.values()):7d}")


def replay(cache, scratch):
    print("set -u")
    for key, output in entries(cache):
        entry = os.path.join(scratch, key)
        q = shlex.quote(entry)
        print(f"rm -rf {q}; mkdir -p {q}")
        for c in output["commands"]:
            c = c.replace(PLACEHOLDER, entry)
            # No subshell per command (that would bill the bare side for
            # extra forks): the `cd DIR && ` prefix becomes a plain `cd`.
            if c.startswith("cd ") and " && " in c:
                d, c = c[3:].split(" && ", 1)
                print(f"cd {d}")
            print(f"{c} >/dev/null 2>&1 || true")
        print("cd /")
        print(f"rm -rf {q}")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "steps":
        steps(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "replay":
        replay(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
