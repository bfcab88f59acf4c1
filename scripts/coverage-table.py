#!/usr/bin/env python3
"""Regenerates tests/README.md: the coverage table of the three suites.

Walks tests/ui, tests/ptx-snapshots and tests/run-gpu (every `.rs` file,
like the harness, skipping `auxiliary/` folders), reads each test's `//@`
directives and writes:

  * a short intro (the suites, adding a test, blessing, where run-gpu
    expectations come from);
  * one row per feature area (the first folder under the suite, merged
    across suites, with synonyms mapped to one name, see AREA_SYNONYMS):
    area | ui tests | ptx-snapshot tests | run-gpu tests;
  * the run-gpu tests: gating (min-sm/only-sm/...), outcome, known bug and
    whether they ran on hardware (from tests/run-gpu/hardware-runs.json);
  * every `known-bug:` test of every suite with its text;
  * the counts.

Usage:
  scripts/coverage-table.py            rewrite tests/README.md
  scripts/coverage-table.py --check    exit 1 if tests/README.md is out of date
  scripts/coverage-table.py --stdout   print the README instead of writing it

`tests/run-gpu/hardware-runs.json` is maintained by hand: an object mapping a
run-gpu test name (`failures/overflow-checks`, as in the table; a leading
`run-gpu/` and a trailing `.rs` are accepted) to a string such as
"NVIDIA H100 80GB, driver 580.65.06, 2026-06-01", or a list of such strings.
Without the file every test reads "never (no GPU available yet)".

Standard library only; Python 3.9 or newer.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
README = TESTS / "README.md"
HARDWARE_RUNS = TESTS / "run-gpu" / "hardware-runs.json"

SUITES = ("ui", "ptx-snapshots", "run-gpu")

# Folder names that mean the same feature area in different suites, mapped to
# the one name the table uses. Add a line when a suite grows a folder whose
# name differs from an existing area's.
AREA_SYNONYMS = {
    "shared-warp": "warp-shared",
    "shared-memory": "warp-shared",
    "shared": "warp-shared",
    "warp": "warp-shared",
    "abi": "kernel-abi",
    "static": "statics",
    "float": "floats",
    "integer": "integers",
    "ints": "integers",
    "atomic": "atomics",
    "call": "calls",
    "generic": "generics",
    "aggregate": "aggregates",
    "control": "control-flow",
}

# Outcome directives and each suite's default when a test names none (the
# harness's rule: a ui test with `//~ ERROR` annotations is expected to fail
# to build, one without them to pass the checks).
OUTCOMES = ("check-pass", "build-pass", "build-fail", "run-pass", "run-fail")
GATING = ("sm", "min-sm", "only-sm", "ignore-sm")

NEVER_NO_FILE = "never (no GPU available yet)"
NEVER = "never"

DIRECTIVE_RE = re.compile(
    r"^\s*//@(?:\[(?P<scope>[^\]]*)\])?\s*(?P<name>[A-Za-z0-9_-]+)\s*(?::\s?(?P<value>.*))?$"
)
ERROR_ANNOTATION_RE = re.compile(r"//~[\^|?]*\s*ERROR\b")


@dataclass
class Directive:
    name: str
    value: str | None
    scope: list[str] | None  # revision names, or None for every revision


@dataclass
class Test:
    suite: str
    name: str  # relative to the suite folder, without `.rs`
    path: Path
    area: str
    directives: list[Directive] = field(default_factory=list)
    has_error_annotations: bool = False

    @property
    def short(self) -> str:
        """The name inside its area folder (`option-params`, `sub/test`)."""
        parts = self.name.split("/", 1)
        return parts[1] if len(parts) == 2 else parts[0]

    @property
    def revisions(self) -> list[str]:
        for d in self.directives:
            if d.name == "revisions" and d.scope is None and d.value:
                return d.value.replace(",", " ").split()
        return []

    def values(self, name: str, revision: str | None) -> list[str]:
        """Values of `name` in force for `revision` (unscoped, then scoped)."""
        out = []
        for d in self.directives:
            if d.name != name:
                continue
            if d.scope is None or (revision is not None and revision in d.scope):
                out.append(d.value if d.value is not None else "")
        return out

    def per_revision(self, fn) -> list[tuple[str | None, str]]:
        """`fn(revision)` for each revision (or once, for None), merged: one
        entry when every revision agrees."""
        revs = self.revisions or [None]
        results = [(r, fn(r)) for r in revs]
        if len({v for _, v in results}) == 1:
            return [(None, results[0][1])]
        return results

    def outcome(self, revision: str | None) -> str:
        found = [d.name for d in self.directives if d.name in OUTCOMES
                 and (d.scope is None or (revision is not None and revision in d.scope))]
        if found:
            return found[-1]
        if self.suite == "ui":
            return "build-fail" if self.has_error_annotations else "check-pass"
        if self.suite == "ptx-snapshots":
            return "build-pass"
        return "run-pass"

    def known_bug(self, revision: str | None) -> str:
        vals = [v for v in self.values("known-bug", revision) if v]
        return vals[-1] if vals else ""

    def gating(self, revision: str | None) -> str:
        parts = []
        for name in GATING:
            vals = [v for v in self.values(name, revision) if v]
            if vals:
                parts.append(f"{name}: {vals[-1]}")
        return ", ".join(parts)


def area_of(folder: str) -> str:
    return AREA_SYNONYMS.get(folder, folder)


def parse(test: Test) -> None:
    text = test.path.read_text(encoding="utf-8", errors="replace")
    for line in text.splitlines():
        m = DIRECTIVE_RE.match(line)
        if m:
            scope = m.group("scope")
            names = [s for s in re.split(r"[,\s]+", scope) if s] if scope is not None else None
            value = m.group("value")
            test.directives.append(
                Directive(m.group("name"), value.strip() if value is not None else None, names)
            )
        if ERROR_ANNOTATION_RE.search(line):
            test.has_error_annotations = True


def discover() -> dict[str, list[Test]]:
    found: dict[str, list[Test]] = {s: [] for s in SUITES}
    for suite in SUITES:
        base = TESTS / suite
        if not base.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(d for d in dirnames if d != "auxiliary")
            for f in sorted(filenames):
                if not f.endswith(".rs"):
                    continue
                path = Path(dirpath) / f
                name = path.relative_to(base).with_suffix("").as_posix()
                folder = name.split("/", 1)[0] if "/" in name else "(top level)"
                t = Test(suite, name, path, area_of(folder))
                parse(t)
                found[suite].append(t)
        found[suite].sort(key=lambda t: t.name)
    return found


def load_hardware_runs(path: Path, run_gpu: list[Test]) -> tuple[dict[str, str] | None, list[str]]:
    """The hand-maintained record of hardware runs, keyed by run-gpu test
    name, plus warnings (unknown names, bad values). None without the file."""
    if not path.is_file():
        return None, []
    warnings = []
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        return {}, [f"{path}: not valid JSON ({e}); treating every test as never run"]
    if not isinstance(raw, dict):
        return {}, [f"{path}: expected an object mapping test names to strings"]
    names = {t.name for t in run_gpu}
    runs = {}
    for key, val in raw.items():
        name = key.removeprefix("run-gpu/").removesuffix(".rs")
        if isinstance(val, list) and all(isinstance(v, str) for v in val):
            val = "; ".join(val)
        if not isinstance(val, str) or not val.strip():
            warnings.append(f"{path.name}: `{key}` must map to a non-empty string (or a list of strings)")
            continue
        if name not in names:
            warnings.append(f"{path.name}: `{key}` is not a run-gpu test")
            continue
        runs[name] = val.strip()
    return runs, warnings


def cell(text: str) -> str:
    """Escapes text for a Markdown table cell: `|` everywhere, and `<` outside
    code spans, so that `Option<u32>` is not taken for an HTML tag."""
    text = text.replace("|", "\\|").replace("\n", " ")
    parts = text.split("`")
    for i in range(0, len(parts), 2):  # outside backticks
        parts[i] = parts[i].replace("<", "&lt;")
    return "`".join(parts)


def link(t: Test, label: str) -> str:
    rel = t.path.relative_to(TESTS).as_posix()
    return f"[{label}]({rel})"


def joined(entries: list[tuple[str | None, str]], empty: str = "—") -> str:
    if len(entries) == 1 and entries[0][0] is None:
        return cell(entries[0][1]) if entries[0][1] else empty
    shown = [f"`{rev}`: {cell(v) if v else empty}" for rev, v in entries]
    return "; ".join(shown)


INTRO = """\
<!-- Generated by scripts/coverage-table.py from the test files; do not edit by hand.
     Regenerate with `python3 scripts/coverage-table.py` after adding, removing or
     renaming a test (CI can run it with `--check`). -->

# Conformance tests

Every `.rs` file under `tests/` is one test, in a folder named after its
feature area. Three suites, each with its own README:

- **[ui](ui/README.md)**: diagnostics. Each test is compiled for sm_80 by
  `ptx-rustc` (rustc plus the six GPU kernel checks); every error and warning
  must be annotated in the source (`//~ ERROR text`, `//~^ WARN text`, …) and
  the normalized stderr matches `name.stderr`.
- **[ptx-snapshots](ptx-snapshots/README.md)**: codegen. Each test is compiled
  for every sm target in the matrix; the stages named in `//@ stages:`
  (default `ptx ptxas`; `sass` adds ptxas's machine code) match the snapshots
  beside the test, ptxas validates the PTX, and FileCheck lines run on the
  stage their prefix names (`// CHECK:` the PTX, `// SASS-CHECK:` the SASS, …).
- **[run-gpu](run-gpu/README.md)**: execution. The device half is compiled
  to PTX for every target, a host `main` (on `host_runtime`) launches it on a
  GPU (or, without one, on the PTX emulator) and its stdout is compared with
  `//@ stdout:` lines or `name.run.stdout`.

Device code in ptx-snapshots and run-gpu is written in the portable kernel
dialect, crate `gpu` (`gpu::kernel!`, `gpu::thread_idx_x()`, …; the device
half of a run-gpu test is `#[cfg(gpu_device)]`), so that every backend can
compile it: see [device-prelude/README.md](../device-prelude/README.md). A
test about the built-in backend itself (its diagnostics, `target_feature`
cfgs, inline PTX, snapshots that show its panic handler) says
`//@ only-backend: builtin` and why.

**Adding a test**: put a `.rs` file in the area folder of the suite that
checks what you care about (make a new folder for a new area, and map it in
`AREA_SYNONYMS` in `scripts/coverage-table.py` if it duplicates an area of
another suite under another name). Directives (`//@ min-sm: 80`,
`//@ revisions: a b`, `//@ build-fail`, …) are listed in
[docs/writing-tests.md](../docs/writing-tests.md). A feature the backend cannot compile
yet stays as a test: `//@ build-fail` plus `//@ known-bug: <what fails>`;
a test that pins wrong output keeps its outcome and adds `//@ known-bug:`.
Then run `python3 scripts/coverage-table.py` to update this file.

**Blessing**: `./bless.sh <filter>` rewrites the snapshots (`.stderr`, stage
dumps) of the trials whose name contains the filter, e.g.
`./bless.sh ptx-snapshots/integers/div-rem` or
`./bless.sh ptx-snapshots/integers/div-rem@sm_90a`,
and prints what it created, changed and removed. Review the result with
`git diff` before committing; bless only the tests you changed. With `CI` set
nothing is written and a missing snapshot fails. `.run.stdout` files are
never blessed.

**run-gpu expectations are never copied from a GPU**: every expected output
line is derived by hand (with the derivation in a comment beside it) or is a
summary that the host program checks by recomputing each value on the host
with separately written plain Rust. A test that ran on hardware is recorded
by hand in `run-gpu/hardware-runs.json` (test name → "GPU, driver, date"),
which fills the "ran on hardware" column below.
"""


def render(found: dict[str, list[Test]], runs: dict[str, str] | None) -> str:
    out = [INTRO]

    # Area table.
    areas = sorted({t.area for suite in SUITES for t in found[suite]})
    out.append("## Coverage by area\n")
    out.append("Test names link to the files; † marks a test that pins a known bug.")
    folders = {}
    for suite in SUITES:
        for t in found[suite]:
            folder = t.name.split("/", 1)[0] if "/" in t.name else "(top level)"
            if folder != t.area:
                folders.setdefault(t.area, set()).add(f"{suite}/{folder}")
    if folders:
        merged = "; ".join(
            f"`{area}` includes " + ", ".join(f"`{f}`" for f in sorted(fs))
            for area, fs in sorted(folders.items())
        )
        out.append(f"Folders merged into one area: {merged}.")
    out.append("")
    out.append("| area | ui tests | ptx-snapshot tests | run-gpu tests |")
    out.append("|---|---|---|---|")
    for area in areas:
        row = [f"**{area}**"]
        for suite in SUITES:
            tests = [t for t in found[suite] if t.area == area]
            if not tests:
                row.append("—")
                continue
            names = []
            for t in tests:
                bug = any(t.known_bug(r) for r in (t.revisions or [None]))
                names.append(link(t, cell(t.short)) + (" †" if bug else ""))
            row.append(", ".join(names))
        out.append("| " + " | ".join(row) + " |")
    out.append("")

    # run-gpu table.
    out.append("## run-gpu tests\n")
    if runs is None:
        out.append(
            "No `run-gpu/hardware-runs.json` yet: no run-gpu test has been "
            "recorded as run on a GPU.\n"
        )
    out.append("| test | min-sm/only-sm | outcome | known-bug | ran on hardware |")
    out.append("|---|---|---|---|---|")
    for t in found["run-gpu"]:
        gating = joined(t.per_revision(t.gating))
        outcome = joined(t.per_revision(t.outcome))
        bug = joined(t.per_revision(t.known_bug))
        if runs is None:
            hw = NEVER_NO_FILE
        else:
            hw = cell(runs.get(t.name, NEVER))
        out.append(f"| {link(t, t.name)} | {gating} | {outcome} | {bug} | {hw} |")
    if not found["run-gpu"]:
        out.append("| — | — | — | — | — |")
    out.append("")

    # Known bugs.
    out.append("## Known bugs\n")
    out.append(
        "Tests that pin a backend bug (`//@ known-bug:`). A `build-fail` one "
        "fails to compile today; the others compile (or pass the checks) but "
        "pin wrong or missing behaviour. When a bug is fixed its test fails: "
        "update the expectation and drop the `known-bug` line.\n"
    )
    bugs = []
    for suite in SUITES:
        for t in found[suite]:
            entries = [(r, v) for r, v in t.per_revision(t.known_bug) if v]
            if not entries:
                continue
            outcome = joined(t.per_revision(t.outcome))
            bugs.append((f"{suite}/{t.name}", t, outcome, entries))
    if bugs:
        out.append("| test | outcome | known bug |")
        out.append("|---|---|---|")
        for label, t, outcome, entries in bugs:
            out.append(f"| {link(t, label)} | {outcome} | {joined(entries)} |")
    else:
        out.append("None.")
    out.append("")

    # Counts.
    n = {s: len(found[s]) for s in SUITES}
    out.append("## Counts\n")
    out.append(
        f"{n['ui']} ui, {n['ptx-snapshots']} ptx-snapshots, {n['run-gpu']} run-gpu tests "
        f"({sum(n.values())} in all, {len(bugs)} pinning a known bug), "
        f"in {len(areas)} areas."
    )
    out.append("")
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="exit 1 if tests/README.md is out of date")
    mode.add_argument("--stdout", action="store_true", help="print the README instead of writing it")
    ap.add_argument("--hardware-runs", type=Path, default=HARDWARE_RUNS, metavar="FILE",
                    help="the hardware-runs JSON (default: tests/run-gpu/hardware-runs.json)")
    args = ap.parse_args()

    found = discover()
    runs, warnings = load_hardware_runs(args.hardware_runs, found["run-gpu"])
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
    text = render(found, runs)

    if args.stdout:
        sys.stdout.write(text)
        return 0
    current = README.read_text(encoding="utf-8") if README.is_file() else None
    if args.check:
        if current != text:
            print(f"{README.relative_to(ROOT)} is out of date: run python3 scripts/coverage-table.py",
                  file=sys.stderr)
            return 1
        return 0
    if current == text:
        print(f"{README.relative_to(ROOT)} is up to date")
        return 0
    tmp = README.with_name(README.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, README)
    n = {s: len(found[s]) for s in SUITES}
    print(f"wrote {README.relative_to(ROOT)}: {n['ui']} ui, {n['ptx-snapshots']} ptx-snapshots, "
          f"{n['run-gpu']} run-gpu tests")
    return 0


if __name__ == "__main__":
    sys.exit(main())
