#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The NumPy half of the checkpoint interop test: numpy.load reads a slope checkpoint (names,
shapes and values equal to what slope printed, the run state and the dropout generator), then
slope loads weights that numpy.savez and numpy.savez_compressed wrote, and refuses float64 ones
for its float32 model, naming the file and the parameter.

usage: checkpoint_interop.py CHECKPOINT_INTEROP_MAIN DIR
"""
import pathlib
import shutil
import subprocess
import sys

import numpy as np

PARAMS = {"0.weight": (4, 3), "0.bias": (3,), "3.weight": (3, 2), "3.bias": (2,)}


def run(main, mode, path, expect_ok=True):
    done = subprocess.run([main, mode, str(path)], capture_output=True, text=True, check=False)
    if (done.returncode == 0) != expect_ok:
        sys.exit(f"checkpoint_interop: '{main} {mode} {path}' exited {done.returncode}: "
                 f"{done.stderr}")
    return done


def printed(stdout):
    """name -> float64 array of what slope printed."""
    out = {}
    for line in stdout.splitlines():
        name, shape, values = line.split("\t")
        dims = tuple(int(d) for d in shape.split(",")) if shape else ()
        out[name] = np.array([float(v) for v in values.split()]).reshape(dims)
    return out


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    program, folder = sys.argv[1], pathlib.Path(sys.argv[2])
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)

    # numpy reads slope's checkpoint.
    ckpt = folder / "slope.npz"
    want = printed(run(program, "write", ckpt).stdout)
    with np.load(ckpt) as z:
        got = {k: z[k] for k in z.files}
    params = {k: v for k, v in got.items() if not k.startswith(("optim/", "state/"))}
    if set(params) != set(PARAMS):
        sys.exit(f"checkpoint_interop: parameters {sorted(params)}, want {sorted(PARAMS)}")
    for name, array in got.items():
        if name in want and (array.shape != want[name].shape
                             or not np.array_equal(array.astype(np.float64), want[name])):
            sys.exit(f"checkpoint_interop: {name}: numpy read {array}, slope printed {want[name]}")
    for name in PARAMS:
        if got[name].dtype != np.float32 or got[name].shape != PARAMS[name]:
            sys.exit(f"checkpoint_interop: {name} is {got[name].dtype} {got[name].shape}")
    if [n for n in want if n.startswith("optim/") and n not in got]:
        sys.exit("checkpoint_interop: an optimizer entry slope printed is not in the file")
    if got["state/epoch"].tolist() != [3.0] or got["state/iteration"].tolist() != [2.0]:
        sys.exit(f"checkpoint_interop: state {got['state/epoch']} {got['state/iteration']}")
    if got["state/rng/2"].shape != (313, 2):
        sys.exit(f"checkpoint_interop: state/rng/2 is {got['state/rng/2'].shape}")
    print(f"ok   numpy read {ckpt.name}: {len(got)} arrays, values as slope printed")

    # slope reads numpy's files.
    rng = np.random.default_rng(3)
    weights = {n: rng.standard_normal(s).astype(np.float32) for n, s in PARAMS.items()}
    for writer in (np.savez, np.savez_compressed):
        path = folder / f"{writer.__name__}.npz"
        writer(path, **weights)
        back = printed(run(program, "read", path).stdout)
        for name, w in weights.items():
            if back[name].shape != w.shape or not np.array_equal(back[name], w.astype(np.float64)):
                sys.exit(f"checkpoint_interop: {path.name} {name}: slope read {back[name]}")
        print(f"ok   slope read {path.name}: {len(weights)} parameters, bit for bit")

    wrong = folder / "float64.npz"
    np.savez(wrong, **{n: w.astype(np.float64) for n, w in weights.items()})
    err = run(program, "read", wrong, expect_ok=False).stderr
    if "float64.npz" not in err or "0.weight" not in err:
        sys.exit(f"checkpoint_interop: the float64 file's error names neither: {err}")
    print(f"ok   slope refused {wrong.name}: {err.strip()}")
    print("checkpoint_interop: slope and numpy agree")


if __name__ == "__main__":
    main()
