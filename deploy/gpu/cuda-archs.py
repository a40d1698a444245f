#!/usr/bin/env python3
"""Which GPU architectures an ND4J CUDA jar can run on: lists the device code in its native library.

    python3 deploy/gpu/cuda-archs.py ~/.m2/repository/org/nd4j/nd4j-cuda-11.6/1.0.0-M2.1/nd4j-cuda-11.6-1.0.0-M2.1-linux-x86_64.jar

CUDA device code lives in "fatbin" containers (magic 0xBA55ED50) inside the shared library; each entry
is either SASS (an ELF cubin for one sm_XY) or PTX (which the driver can JIT-compile for newer GPUs).
A GPU of compute capability X.Z runs SASS built for X.Y with Y <= Z, or any PTX of a version <= X.Z.
Prints JSON: {"library", "fatbins", "sass": [...], "ptx": [...]} with architectures as integers (86 = sm_86).
"""
import json, mmap, os, struct, sys, tempfile, zipfile

MAGIC = struct.pack("<I", 0xBA55ED50)


def scan(path):
    sass, ptx, fatbins = set(), set(), 0
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
        pos = -1
        while True:
            i = m.find(MAGIC, pos + 1)
            if i < 0:
                break
            pos = i
            header_size = struct.unpack_from("<H", m, i + 6)[0]
            size = struct.unpack_from("<Q", m, i + 8)[0]
            if header_size != 16 or i + 16 + size > len(m):
                continue
            fatbins += 1
            j, end = i + 16, i + 16 + size
            while j + 32 <= end:
                kind, _, entry_header = struct.unpack_from("<HHI", m, j)
                payload = struct.unpack_from("<Q", m, j + 8)[0]
                arch = struct.unpack_from("<I", m, j + 28)[0]
                (ptx if kind == 1 else sass).add(arch)
                if entry_header == 0:
                    break
                j += entry_header + payload
    return fatbins, sorted(sass), sorted(ptx)


def main(target):
    if target.endswith(".jar"):
        with zipfile.ZipFile(target) as jar, tempfile.TemporaryDirectory() as tmp:
            libs = [n for n in jar.namelist() if n.endswith(".so") and "nd4jcuda" in n and "jni" not in n]
            if not libs:
                sys.exit("%s: no libnd4jcuda.so inside" % target)
            lib = jar.extract(libs[0], tmp)
            result = scan(lib)
            name = libs[0]
    else:
        result, name = scan(target), os.path.basename(target)
    fatbins, sass, ptx = result
    print(json.dumps({"library": name, "fatbins": fatbins, "sass": sass, "ptx": ptx}))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
