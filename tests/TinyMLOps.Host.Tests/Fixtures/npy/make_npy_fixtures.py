"""Writes the .npy fixtures of NpyTests with real NumPy (run: /usr/bin/python3 make_npy_fixtures.py, NumPy 1.24).

Values follow simple formulas the tests recompute: floats arange(n) * 0.25 - 1, signed integers arange(n) - 3,
unsigned integers and bools arange(n) (bools: arange(n) % 2).
"""
import numpy as np
from numpy.lib import format as npf


def floats(shape, dtype):
    n = int(np.prod(shape))
    return (np.arange(n, dtype=np.float64) * 0.25 - 1).astype(dtype).reshape(shape)


def save(name, array, version=None):
    with open(name, "wb") as f:
        if version is None:
            np.save(f, array, allow_pickle=False)
        else:
            npf.write_array(f, array, version=version, allow_pickle=False)


save("f4_2x3.npy", floats((2, 3), "<f4"))
save("f8_4.npy", floats((4,), "<f8"))
save("f2_3.npy", floats((3,), "<f2"))
save("f4_scalar.npy", np.array(2.5, dtype="<f4"))
save("f4_empty_0x3.npy", np.zeros((0, 3), dtype="<f4"))
save("f4_2x1x3x2_v2.npy", floats((2, 1, 3, 2), "<f4"), version=(2, 0))
save("f4_2x3_v3.npy", floats((2, 3), "<f4"), version=(3, 0))
save("u1_2x2x2.npy", np.arange(8, dtype="|u1").reshape(2, 2, 2))
save("i1_5.npy", (np.arange(5) - 3).astype("|i1"))
save("i4_2x2.npy", (np.arange(4) - 3).astype("<i4").reshape(2, 2))
save("i8_3.npy", (np.arange(3) - 3).astype("<i8"))
save("b1_4.npy", (np.arange(4) % 2).astype("|b1"))

# Refused: big-endian, Fortran order, structured, complex, strings, objects (pickled).
save("refused_big_endian.npy", floats((2, 2), ">f4"))
save("refused_fortran_2x3.npy", np.asfortranarray(floats((2, 3), "<f4")))
save("refused_structured.npy", np.zeros(2, dtype=[("a", "<f4"), ("b", "<i4")]))
save("refused_complex.npy", np.zeros(2, dtype="<c8"))
save("refused_strings.npy", np.array(["ab", "c"]))
with open("refused_object.npy", "wb") as f:
    np.save(f, np.array([{"a": 1}, None], dtype=object), allow_pickle=True)

# Two arrays saved into one file: the reader refuses the trailing bytes.
with open("refused_two_arrays.npy", "wb") as f:
    np.save(f, floats((2,), "<f4"))
    np.save(f, floats((2,), "<f4"))

# A Fashion-MNIST-sized float32 batch in NCHW and NHWC, the same images (x[n, 0, y, x] = (n * 7 + y * 28 + x) % 256 / 255).
n = 3
base = ((np.arange(n)[:, None, None] * 7 + np.arange(28)[None, :, None] * 28 + np.arange(28)[None, None, :]) % 256) / 255.0
save("images_nchw.npy", base[:, None, :, :].astype("<f4"))
save("images_nhwc.npy", base[:, :, :, None].astype("<f4"))
