#!/usr/bin/env python3
"""Writes emulator/libcuda/driver-api.txt: the name of every CUDA driver API
entry point (every version cudarc binds, CUDA 11.4 to 13.x), one per line.

The names come from the bindings of the cudarc crate in cargo's registry
(`cargo fetch` brings it; it is a dependency of host-runtime). Only the
names are taken: the emulator's libcuda exports every one of them, and
build.rs makes those it does not implement return CUDA_ERROR_NOT_SUPPORTED.

    python3 scripts/driver-api-names.py [--check]
"""
import json, pathlib, re, subprocess, sys

root = pathlib.Path(__file__).resolve().parent.parent
meta = json.loads(subprocess.check_output(
    ["cargo", "metadata", "--format-version", "1", "--locked"], cwd=root))
cudarc = [p for p in meta["packages"] if p["name"] == "cudarc"]
if not cudarc:
    sys.exit("driver-api-names: cudarc is not in the workspace's dependencies")
sys_rs = pathlib.Path(cudarc[0]["manifest_path"]).parent / "src/driver/sys/mod.rs"
names = sorted(set(re.findall(r"^pub unsafe fn (cu\w+)\(", sys_rs.read_text(), re.M)))
if len(names) < 400:
    sys.exit(f"driver-api-names: only {len(names)} names in {sys_rs}; has the bindings' layout changed?")
text = (f"# Every CUDA driver API entry point, from cudarc {cudarc[0]['version']}'s bindings\n"
        "# (regenerate: python3 scripts/driver-api-names.py).\n" + "\n".join(names) + "\n")
out = root / "emulator/libcuda/driver-api.txt"
if "--check" in sys.argv[1:]:
    if out.read_text() != text:
        sys.exit(f"driver-api-names: {out} is stale; run python3 scripts/driver-api-names.py")
else:
    out.write_text(text)
    print(f"{out.relative_to(root)}: {len(names)} entry points")
