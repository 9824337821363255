#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The NumPy half of the interop test: numpy.load reads the .npy files slope wrote (dtype, shape,
values bit for bit), then numpy.save writes files that slope must read (and three it must refuse).

usage: npy_interop.py NPY_INTEROP_MAIN DIR
"""
import pathlib
import shutil
import subprocess
import sys

import numpy as np

# Keep in step with kCases in npy_interop_main.cpp.
CASES = [
    ("scalar_f32", np.float32, ()),
    ("vector_f64", np.float64, (5,)),
    ("matrix_f32", np.float32, (2, 3)),
    ("cube_f64", np.float64, (2, 3, 4)),
    ("empty_f32", np.float32, (0, 3)),
    ("wide_f64", np.float64, (1, 1000)),
]


def expected(dtype, shape):
    """value(i) = (i + 1) / 3 - 2 in double, rounded to dtype: what the C++ side computes."""
    n = int(np.prod(shape, dtype=np.int64))
    return ((np.arange(n, dtype=np.float64) + 1) / 3.0 - 2.0).astype(dtype).reshape(shape)


def run(main, mode, folder):
    done = subprocess.run([main, mode, str(folder)], capture_output=True, text=True, check=False)
    sys.stdout.write(done.stdout)
    if done.returncode != 0:
        sys.exit(f"npy_interop: '{main} {mode}' exited {done.returncode}: {done.stderr}")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    program, folder = sys.argv[1], pathlib.Path(sys.argv[2])
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)

    run(program, "write", folder)
    for name, dtype, shape in CASES:
        path = folder / f"slope_{name}.npy"
        got = np.load(path, allow_pickle=False)
        want = expected(dtype, shape)
        if got.dtype != np.dtype(dtype) or got.shape != shape or not np.array_equal(got, want):
            sys.exit(f"npy_interop: {path}: got {got.dtype} {got.shape}, "
                     f"want {np.dtype(dtype)} {shape}")
        if not got.flags.c_contiguous:
            sys.exit(f"npy_interop: {path} is not in C order")
        print(f"ok   numpy read {path.name}: {got.dtype} {got.shape}")

    for name, dtype, shape in CASES:
        np.save(folder / f"py_{name}.npy", expected(dtype, shape))
    np.save(folder / "py_fortran.npy", np.asfortranarray(expected(np.float64, (3, 4))))
    np.save(folder / "py_int32.npy", np.arange(4, dtype=np.int32))
    np.save(folder / "py_big.npy", expected(np.float64, (3,)).astype(">f8"))
    run(program, "read", folder)
    print("npy_interop: slope and numpy agree")


if __name__ == "__main__":
    main()
