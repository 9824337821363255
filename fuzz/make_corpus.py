# Makes the seed corpora: run from fuzz/corpus with /usr/bin/python3 (Debian python3-numpy).
# Tiny files only: valid IDX raw and gzip, a few broken ones; valid and cut .npy files; .npz
# archives (numpy.savez and savez_compressed), cut and corrupted ones.
import gzip, struct, numpy as np, io
def idx(magic, dims, data):
    return struct.pack('>I', magic) + b''.join(struct.pack('>I', d) for d in dims) + bytes(data)
def gz(b): return gzip.compress(b, 9, mtime=0)
I, L = 0x803, 0x801
img = idx(I, [2, 3, 3], range(0, 180, 10))
lbl = idx(L, [5], [3, 0, 9, 1, 1])
files = {
 'images_2x3x3': img,
 'images_2x3x3.gz': gz(img),
 'labels_5': lbl,
 'labels_5.gz': gz(lbl),
 'images_zeros_4x32x32.gz': gz(idx(I, [4, 32, 32], [0] * 4096)),
 'bad_truncated_raw': idx(I, [3, 2, 2], [1] * 7),
 'bad_truncated.gz': gz(img)[:-12],
 'bad_trailing_raw': img + b'\x05\x06',
 'bad_trailing.gz': gz(img + b'\x05\x06'),
 'two_members.gz': gz(img[:10]) + gz(img[10:]),
 'bad_magic': b'hello\n',
 'bad_zero_count': idx(I, [0, 32768, 32768], []),
 'bad_huge_dims': idx(I, [0xffffffff, 0xffffffff, 2], []),
 'bad_label_12': idx(L, [4], [1, 2, 12, 0]),
}
for n, b in files.items():
    open('idx/' + n, 'wb').write(b)
def npy(a, **kw):
    f = io.BytesIO(); np.save(f, a, **kw); return f.getvalue()
nf = {
 'f4_2x3.npy': npy(np.arange(6, dtype=np.float32).reshape(2, 3)),
 'f8_4.npy': npy(np.array([1.5, -2, 0, 1e300])),
 'f4_scalar.npy': npy(np.float32(3.25)),
 'f8_empty_0x3.npy': npy(np.zeros((0, 3))),
 'f4_fortran_2x2.npy': npy(np.asfortranarray(np.arange(4, dtype=np.float32).reshape(2, 2))),
 'f8_bigendian_3.npy': npy(np.array([1, 2, 3], dtype='>f8')),
 'i4_3.npy': npy(np.array([1, 2, 3], dtype=np.int32)),
 'bad_truncated_f4_2x3.npy': npy(np.arange(6, dtype=np.float32).reshape(2, 3))[:-5],
 'bad_header_only.npy': npy(np.arange(6, dtype=np.float64))[:60],
}
for n, b in nf.items():
    open('npy/' + n, 'wb').write(b)
def npz(writer, **arrays):
    f = io.BytesIO(); writer(f, **arrays); return f.getvalue()
w = {'0.weight': np.arange(6, dtype=np.float32).reshape(2, 3), '0.bias': np.float32([0.5, -1, 2]),
     'state/epoch': np.array([3.0]), 'state/iteration': np.array([12.0])}
good = npz(np.savez, **w)
cf = {
 'savez.npz': good,
 'savez_compressed.npz': npz(np.savez_compressed, **w),
 'one_scalar.npz': npz(np.savez, s=np.float64(2.5)),
 'empty_archive.npz': npz(np.savez),
 'bad_truncated.npz': good[:-40],
 'bad_crc.npz': good[:100] + bytes([good[100] ^ 1]) + good[101:],
 'bad_int32.npz': npz(np.savez, i=np.arange(3, dtype=np.int32)),
}
for n, b in cf.items():
    open('checkpoint/' + n, 'wb').write(b)
