#!/usr/bin/env python3
"""Writes (or checks) the native method table of the TinyMLOps.NativeKernels interop assembly.

nanoFramework's MetadataProcessor -generateskeleton writes this table; the offline kit's MetadataProcessor lacks it,
so this script does the part the glue needs from the three files `run pe` leaves beside the assembly:
  ASM.dll   the method names, signatures and InternalCall flags (ECMA-335 metadata);
  ASM.pdbx  each method's nanoCLR token (the index into method_lookup: nanoCLR orders methods its own way);
  ASM.pe    the native checksum (uint32 at offset 20 of the header) the firmware's table must carry.

  gen_table.py DIR_WITH_BUILD_OUTPUT            writes tinymlops_nativekernels.h/.cpp next to this script
  gen_table.py --check DIR_WITH_BUILD_OUTPUT    exits 1 when the committed files differ from what it would write
"""
import os
import re
import struct
import sys
import xml.etree.ElementTree as ET

ASSEMBLY = "TinyMLOps.NativeKernels"
PREFIX = "tinymlops_nativekernels"
HERE = os.path.dirname(os.path.abspath(__file__))
INTERNAL_CALL = 0x1000
ELEMENT = {0x01: "VOID", 0x02: "BOOLEAN", 0x03: "CHAR", 0x04: "I1", 0x05: "U1", 0x06: "I2", 0x07: "U2", 0x08: "I4",
           0x09: "U4", 0x0A: "I8", 0x0B: "U8", 0x0C: "R4", 0x0D: "R8", 0x0E: "STRING", 0x1C: "OBJECT"}


def fail(message):
    sys.stderr.write("gen_table: " + message + "\n")
    sys.exit(2)


class Metadata:
    """The TypeDef and MethodDef tables of a .NET assembly: just enough of ECMA-335 II.24 for this table."""

    def __init__(self, path):
        d = open(path, "rb").read()
        self.d = d
        pe = struct.unpack_from("<I", d, 0x3C)[0]
        if d[pe:pe + 4] != b"PE\0\0":
            fail(path + " is not a PE file")
        sections = struct.unpack_from("<H", d, pe + 6)[0]
        opt_size = struct.unpack_from("<H", d, pe + 20)[0]
        opt = pe + 24
        magic = struct.unpack_from("<H", d, opt)[0]
        dirs = opt + (96 if magic == 0x10B else 112)
        cli_rva = struct.unpack_from("<I", d, dirs + 14 * 8)[0]
        self.sections = []
        for s in range(sections):
            at = opt + opt_size + s * 40
            vsize, va, rawsize, raw = struct.unpack_from("<IIII", d, at + 8)
            self.sections.append((va, max(vsize, rawsize), raw))
        cli = self.offset(cli_rva)
        md = self.offset(struct.unpack_from("<I", d, cli + 8)[0])
        if struct.unpack_from("<I", d, md)[0] != 0x424A5342:
            fail(path + " has no metadata")
        vlen = struct.unpack_from("<I", d, md + 12)[0]
        count = struct.unpack_from("<H", d, md + 16 + vlen + 2)[0]
        at = md + 16 + vlen + 4
        streams = {}
        for _ in range(count):
            off = struct.unpack_from("<I", d, at)[0]
            end = d.index(b"\0", at + 8)
            streams[d[at + 8:end].decode()] = md + off
            at = at + 8 + ((end - (at + 8)) // 4 + 1) * 4
        self.strings = streams["#Strings"]
        self.blobs = streams["#Blob"]
        t = streams["#~"]
        heaps = d[t + 6]
        valid = struct.unpack_from("<Q", d, t + 8)[0]
        rows = {}
        at = t + 24
        for table in range(64):
            if valid >> table & 1:
                rows[table] = struct.unpack_from("<I", d, at)[0]
                at += 4
        for absent in (3, 5):
            if rows.get(absent):
                fail(path + " uses FieldPtr/MethodPtr tables (an unoptimised metadata layout)")
        n = lambda table: rows.get(table, 0)
        idx = lambda table: 2 if n(table) < 65536 else 4
        coded = lambda tables, bits: 2 if max(n(x) for x in tables) < (1 << (16 - bits)) else 4
        s_idx = 4 if heaps & 1 else 2
        g_idx = 4 if heaps & 2 else 2
        b_idx = 4 if heaps & 4 else 2
        self.s_idx, self.b_idx = s_idx, b_idx
        module = 2 + s_idx + 3 * g_idx
        typeref = coded((0, 0x1A, 0x23, 1), 2) + 2 * s_idx
        self.typedef_size = 4 + 2 * s_idx + coded((2, 1, 0x1B), 2) + idx(4) + idx(6)
        field = 2 + s_idx + b_idx
        self.method_size = 8 + s_idx + b_idx + idx(8)
        self.field_idx, self.method_idx = idx(4), idx(6)
        self.typedef_at = at + n(0) * module + n(1) * typeref
        self.method_at = self.typedef_at + n(2) * self.typedef_size + n(4) * field
        self.types, self.methods = n(2), n(6)

    def offset(self, rva):
        for va, size, raw in self.sections:
            if va <= rva < va + size:
                return rva - va + raw
        fail("RVA 0x%X is in no section" % rva)

    def read(self, at, size):
        return struct.unpack_from("<H" if size == 2 else "<I", self.d, at)[0]

    def string(self, index):
        start = self.strings + index
        return self.d[start:self.d.index(b"\0", start)].decode()

    def type_of_methods(self):
        """Method row (1-based) -> namespace.type."""
        owner = {}
        for t in range(self.types):
            at = self.typedef_at + t * self.typedef_size
            name = self.string(self.read(at + 4, self.s_idx))
            ns = self.string(self.read(at + 4 + self.s_idx, self.s_idx))
            first = self.read(at + self.typedef_size - self.method_idx, self.method_idx)
            nxt = self.read(at + 2 * self.typedef_size - self.method_idx, self.method_idx) if t + 1 < self.types else self.methods + 1
            for m in range(first, nxt):
                owner[m] = (ns, name)
        return owner

    def method(self, row):
        at = self.method_at + (row - 1) * self.method_size
        impl = self.read(at + 4, 2)
        flags = self.read(at + 6, 2)
        name = self.string(self.read(at + 8, self.s_idx))
        blob = self.read(at + 8 + self.s_idx, self.b_idx)
        return name, impl, flags, blob

    def signature(self, index):
        at = self.blobs + index
        _, at = self.compressed(at)
        conv = self.d[at]
        count, at = self.compressed(at + 1)
        parts = []
        for _ in range(count + 1):
            text, at = self.type(at)
            parts.append(text)
        return conv, parts

    def type(self, at):
        e = self.d[at]
        if e == 0x1D:
            inner, at = self.type(at + 1)
            return "SZARRAY_" + inner, at
        if e in ELEMENT:
            return ELEMENT[e], at + 1
        fail("signature element 0x%02X is not supported by this generator" % e)

    def compressed(self, at):
        b = self.d[at]
        if b & 0x80 == 0:
            return b, at + 1
        if b & 0xC0 == 0x80:
            return ((b & 0x3F) << 8) | self.d[at + 1], at + 2
        return ((b & 0x1F) << 24) | (self.d[at + 1] << 16) | (self.d[at + 2] << 8) | self.d[at + 3], at + 4


def generate(build):
    dll = os.path.join(build, ASSEMBLY + ".dll")
    pe = os.path.join(build, ASSEMBLY + ".pe")
    pdbx = os.path.join(build, ASSEMBLY + ".pdbx")
    for f in (dll, pe, pdbx):
        if not os.path.isfile(f):
            fail("no " + f + " (build it: run build firmware/" + ASSEMBLY + "/" + ASSEMBLY + ".nfproj DIR && run pe DIR/*.dll)")
    header = open(pe, "rb").read(24)
    if header[:6] != b"NFMRK1":
        fail(pe + " is not a nanoFramework .pe")
    checksum = struct.unpack_from("<I", header, 20)[0]
    nano = {}
    for method in ET.parse(pdbx).getroot().iter("Method"):
        clr = int(method.find("Token/CLR").text, 16)
        nano[clr & 0xFFFFFF] = int(method.find("Token/nanoCLR").text, 16) & 0xFFFFFF
    md = Metadata(dll)
    owners = md.type_of_methods()
    if sorted(nano) != list(range(1, md.methods + 1)):
        fail(pdbx + " does not list every method of " + dll)
    table = [None] * md.methods
    handlers = {}
    for row in range(1, md.methods + 1):
        name, impl, flags, blob = md.method(row)
        if not impl & INTERNAL_CALL:
            continue
        conv, parts = md.signature(blob)
        ns, cls = owners[row]
        struct_name = "Library_" + PREFIX + "_" + (ns + "_" + cls).replace(".", "_")
        static = "" if conv & 0x20 else "STATIC__"
        handler = name + "___" + static + "__".join(parts)
        table[nano[row]] = struct_name + "::" + handler
        handlers.setdefault(struct_name, []).append(handler)
    if not handlers:
        fail(dll + " has no InternalCall method")
    version = open(pdbx, encoding="utf-8-sig").read()
    root = ET.fromstring(version)
    v = [root.find("Assembly/Version/" + k).text for k in ("Major", "Minor", "Build", "Revision")]
    info = os.path.join(HERE, "..", "..", ASSEMBLY, "Properties", "AssemblyInfo.cs")
    if os.path.isfile(info):
        m = re.search(r'AssemblyNativeVersion\("([0-9.]+)"\)', open(info, encoding="utf-8").read())
        if not m or m.group(1).split(".") != v:
            fail(info + ": AssemblyNativeVersion must equal the assembly version " + ".".join(v) + " (the table carries it)")
    note = ("// Generated by firmware/native/nanoframework/gen_table.py from the built " + ASSEMBLY + " (.dll, .pdbx, .pe):\n"
            "// do not edit. Regenerate when a native method's signature changes (the checksum changes with it).\n")
    h = [note, "#ifndef TINYMLOPS_NATIVEKERNELS_H", "#define TINYMLOPS_NATIVEKERNELS_H", "",
         "#include <nanoCLR_Interop.h>", "#include <nanoCLR_Runtime.h>", ""]
    for struct_name in sorted(handlers):
        h.append("struct " + struct_name)
        h.append("{")
        for handler in handlers[struct_name]:
            h.append("    NANOCLR_NATIVE_DECLARE(" + handler + ");")
        h.append("};")
        h.append("")
    h += ["extern const CLR_RT_NativeAssemblyData g_CLR_AssemblyNative_" + ASSEMBLY.replace(".", "_") + ";", "",
          "#endif // TINYMLOPS_NATIVEKERNELS_H", ""]
    c = [note, '#include "' + PREFIX + '.h"', "", "// clang-format off", "",
         "// One entry per method of the assembly in nanoCLR token order; NULL for methods that run as IL.",
         "static const CLR_RT_MethodHandler method_lookup[] =", "{"]
    c += ["    " + (entry if entry else "NULL") + "," for entry in table]
    c += ["};", "",
          "const CLR_RT_NativeAssemblyData g_CLR_AssemblyNative_" + ASSEMBLY.replace(".", "_") + " =", "{",
          '    "' + ASSEMBLY + '",', "    0x%08X, // the .pe header's nativeMethodsChecksum" % checksum, "    method_lookup,",
          "    { " + ", ".join(v) + " }", "};", "", "// clang-format on", ""]
    return {PREFIX + ".h": "\n".join(h), PREFIX + ".cpp": "\n".join(c)}, checksum


def main(argv):
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    if len(args) != 1:
        fail("usage: gen_table.py [--check] BUILD_DIR")
    files, checksum = generate(args[0])
    stale = []
    for name, text in files.items():
        path = os.path.join(HERE, name)
        current = open(path, encoding="utf-8").read() if os.path.exists(path) else None
        if current != text:
            stale.append(name)
            if not check:
                with open(path, "w", encoding="utf-8", newline="\n") as f:
                    f.write(text)
    if check and stale:
        print("stale: " + ", ".join(stale) + " (the built " + ASSEMBLY + " has checksum 0x%08X); run gen_table.py %s" % (checksum, args[0]))
        return 1
    print(("up to date" if not stale else "wrote " + ", ".join(stale)) + ": checksum 0x%08X" % checksum)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
