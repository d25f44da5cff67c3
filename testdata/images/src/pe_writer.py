#!/usr/bin/env python3
"""A minimal PE writer for the test images no toolchain here produces: IA64 and ARM64 DLLs, managed
(IL-only) assemblies, and deliberately corrupt images. Layout per the PE/COFF specification: DOS header
with e_lfanew at 0x3C, "PE\\0\\0", COFF header, optional header (PE32 0x10B / PE32+ 0x20B) with 16 data
directories, one section holding the export directory and the CLR header.

`Image` (below `build`) writes the dependency-test images (issue 20): system DLL stand-ins with
export tables as the loader reads them (ordinal base, names, forwarders), import tables, delay-load
tables in both forms, and resources (RT_MANIFEST), plus the hostile shapes the bounded readers need.
`build` is kept as it was so that the older images stay byte-identical.
"""
import struct

IMAGE_FILE_DLL = 0x2000
IMAGE_FILE_EXECUTABLE_IMAGE = 0x0002
IMAGE_FILE_32BIT_MACHINE = 0x0100
SECTION_RVA = 0x1000
FILE_ALIGN = 0x200


def build(machine, pe32_plus, exports=(), dll_name="test.dll", clr_flags=None, is_dll=True,
          number_of_sections=1, export_rva=None, file_alignment=FILE_ALIGN):
    # --- section body: export directory, then its tables and strings, then the CLR header.
    body = bytearray(0x400)
    names = sorted(exports)
    dirs = [(0, 0)] * 16
    if names:
        n = len(names)
        off_funcs = 40
        off_names = off_funcs + 4 * n
        off_ords = off_names + 4 * n
        off_strings = off_ords + 2 * n
        strings = bytearray()
        name_rvas = []
        dll_rva = SECTION_RVA + off_strings
        strings += dll_name.encode() + b"\0"
        for name in names:
            name_rvas.append(SECTION_RVA + off_strings + len(strings))
            strings += name.encode() + b"\0"
        struct.pack_into("<IIHHIIIIIII", body, 0, 0, 0, 0, 0, dll_rva, 1, n, n,
                         SECTION_RVA + off_funcs, SECTION_RVA + off_names, SECTION_RVA + off_ords)
        for i in range(n):
            struct.pack_into("<I", body, off_funcs + 4 * i, SECTION_RVA + 0x3F0)  # all point at a RET-sized stub
            struct.pack_into("<I", body, off_names + 4 * i, name_rvas[i])
            struct.pack_into("<H", body, off_ords + 2 * i, i)
        body[off_strings:off_strings + len(strings)] = strings
        dirs[0] = (export_rva if export_rva is not None else SECTION_RVA, off_strings + len(strings))
    if clr_flags is not None:
        off = 0x300
        # IMAGE_COR20_HEADER: cb, runtime 2.5, metadata directory, flags, entry point token.
        struct.pack_into("<IHHIIII", body, off, 72, 2, 5, SECTION_RVA + 0x360, 0x20, clr_flags, 0)
        body[0x360:0x364] = b"BSJB"
        dirs[14] = (SECTION_RVA + off, 72)

    # --- headers
    dos = bytearray(0x40)
    dos[0:2] = b"MZ"
    struct.pack_into("<I", dos, 0x3C, 0x40)
    characteristics = IMAGE_FILE_EXECUTABLE_IMAGE | (IMAGE_FILE_DLL if is_dll else 0)
    if not pe32_plus:
        characteristics |= IMAGE_FILE_32BIT_MACHINE
    opt_size = 240 if pe32_plus else 224
    coff = struct.pack("<HHIIIHH", machine, number_of_sections, 0, 0, 0, opt_size, characteristics)
    size_of_image = SECTION_RVA + 0x1000
    if pe32_plus:
        opt = struct.pack("<HBBIIIII", 0x20B, 1, 0, 0x400, 0, 0, 0, SECTION_RVA)
        opt += struct.pack("<QIIHHHHHHIIIIHHQQQQII", 0x180000000, 0x1000, file_alignment, 5, 2, 0, 0, 5, 2, 0,
                           size_of_image, 0x200, 0, 2, 0, 0x100000, 0x1000, 0x100000, 0x1000, 0, 16)
    else:
        opt = struct.pack("<HBBIIIIII", 0x10B, 1, 0, 0x400, 0, 0, 0, SECTION_RVA, SECTION_RVA)
        opt += struct.pack("<IIIHHHHHHIIIIHHIIIIII", 0x10000000, 0x1000, file_alignment, 5, 2, 0, 0, 5, 2, 0,
                           size_of_image, 0x200, 0, 2, 0, 0x100000, 0x1000, 0x100000, 0x1000, 0, 16)
    for rva, size in dirs:
        opt += struct.pack("<II", rva, size)
    assert len(opt) == opt_size
    section = struct.pack("<8sIIIIIIHHI", b".rdata", 0x1000, SECTION_RVA, len(body), FILE_ALIGN, 0, 0, 0, 0,
                          0x40000040)
    headers = bytes(dos) + b"PE\0\0" + coff + opt + section
    headers += b"\0" * (FILE_ALIGN - len(headers))
    return headers + bytes(body)


MACHINE_I386, MACHINE_AMD64, MACHINE_IA64, MACHINE_ARM64 = 0x14C, 0x8664, 0x200, 0xAA64
FILTER_EXPORTS = ("GetFilterVersion", "HttpFilterProc", "TerminateFilter")
EXTENSION_EXPORTS = ("GetExtensionVersion", "HttpExtensionProc", "TerminateExtension")
COMPRESSION_EXPORTS = ("InitCompression", "CreateCompression", "Compress", "DestroyCompression", "DeInitCompression")
COMIMAGE_FLAGS_ILONLY, COMIMAGE_FLAGS_32BITREQUIRED = 0x1, 0x2


class Section:
    """A section being laid out: blobs appended at aligned offsets, addressed by RVA."""

    def __init__(self, name, rva, characteristics):
        self.name, self.rva, self.characteristics = name, rva, characteristics
        self.buf = bytearray()

    def alloc(self, size, align=4):
        self.buf += b"\0" * (-len(self.buf) % align)
        rva = self.rva + len(self.buf)
        self.buf += b"\0" * size
        return rva

    def put(self, data, align=1):
        rva = self.alloc(len(data), align)
        self.write(rva, data)
        return rva

    def write(self, rva, data):
        off = rva - self.rva
        self.buf[off:off + len(data)] = data

    def cstr(self, text):
        return self.put(text.encode("latin-1") + b"\0")


class Export:
    """One export: by name (or, with name None, by ordinal only), to code, to a forwarder string
    ("NTDLL.RtlAllocateHeap", "helper.#5"), or to nothing (rva 0, an empty slot)."""

    def __init__(self, name, ordinal=None, forward=None, empty=False):
        self.name, self.ordinal, self.forward, self.empty = name, ordinal, forward, empty


class Image:
    """A PE image with a .text section (one RET) and an .rdata section holding every table."""

    def __init__(self, machine, pe32_plus, image_base=None):
        self.machine, self.pe32_plus = machine, pe32_plus
        self.image_base = image_base or (0x180000000 if pe32_plus else 0x10000000)
        self.thunk = 8 if pe32_plus else 4
        self.text = Section(b".text", 0x1000, 0x60000020)
        self.text.put(b"\xc3")  # the code every export points at
        self.code_rva = 0x1000
        self.rdata = Section(b".rdata", 0x2000, 0x40000040)
        self.dirs = [(0, 0)] * 16
        self.layout = {}  # what hostile variants patch: name -> RVA

    # --- exports: sorted name pointer table, ordinal table, address table, forwarder strings
    def exports(self, dll_name, entries, base=1):
        s = self.rdata
        used = {e.ordinal for e in entries if e.ordinal is not None}
        nxt = base
        for e in sorted((e for e in entries if e.ordinal is None), key=lambda e: e.name.encode()):
            while nxt in used:
                nxt += 1
            e.ordinal = nxt
            used.add(nxt)
        count = max(used) - base + 1 if used else 0
        named = sorted((e for e in entries if e.name is not None), key=lambda e: e.name.encode())
        start = s.alloc(40)
        eat = s.alloc(4 * count)
        names = s.alloc(4 * len(named))
        ords = s.alloc(2 * len(named), 2)
        name_rva = s.cstr(dll_name)
        for i, e in enumerate(named):
            s.write(names + 4 * i, struct.pack("<I", s.cstr(e.name)))
            s.write(ords + 2 * i, struct.pack("<H", e.ordinal - base))
        for e in entries:
            target = 0 if e.empty else (s.cstr(e.forward) if e.forward else self.code_rva)
            s.write(eat + 4 * (e.ordinal - base), struct.pack("<I", target))
        end = self.rdata.rva + len(s.buf)
        s.write(start, struct.pack("<IIHHIIIIII", 0, 0, 0, 0, name_rva, base, count, len(named), eat, names)
                + struct.pack("<I", ords))
        self.dirs[0] = (start, end - start)
        self.layout.update(export_dir=start, eat=eat, names=names, ordinals=ords)

    def _thunks(self, entries, va_form=False):
        """An import lookup table: names (or (name, hint)) as RVAs (VAs in the old delay form) of
        hint/name entries, ordinals (ints) with the high bit set. Returns its RVA."""
        s, size = self.rdata, self.thunk
        table = s.alloc(size * (len(entries) + 1), size)
        flag = 1 << (8 * size - 1)
        for i, e in enumerate(entries):
            if isinstance(e, int):
                value = flag | e
            else:
                name, hint = e if isinstance(e, tuple) else (e, 0)
                value = s.put(struct.pack("<H", hint) + name.encode("latin-1") + b"\0", 2)
                if va_form:
                    value += self.image_base
            s.write(table + size * i, value.to_bytes(size, "little"))
        return table

    # --- imports: descriptors, then per DLL its lookup table, address table and name
    def imports(self, modules):
        s = self.rdata
        desc = s.alloc(20 * (len(modules) + 1))
        iat_start = iat_end = None
        for i, (dll, entries) in enumerate(modules):
            ilt = self._thunks(entries)
            iat = s.put(s.buf[ilt - s.rva:ilt - s.rva + self.thunk * (len(entries) + 1)], self.thunk)
            iat_start = iat if iat_start is None else iat_start
            iat_end = iat + self.thunk * (len(entries) + 1)
            s.write(desc + 20 * i, struct.pack("<IIIII", ilt, 0, 0, s.cstr(dll), iat))
        self.dirs[1] = (desc, 20 * (len(modules) + 1))
        if iat_start is not None:
            self.dirs[12] = (iat_start, iat_end - iat_start)
        self.layout.update(import_dir=desc)

    # --- delay-load imports (ImgDelayDescr): the RVA form (grAttrs 1, Visual C++ 7 and later) or
    # the Visual C++ 6 form (grAttrs 0), whose fields and name thunks are VAs.
    def delay_imports(self, modules, va_form=False):
        s, size = self.rdata, self.thunk
        desc = s.alloc(32 * (len(modules) + 1))
        fix = (lambda rva: rva + self.image_base) if va_form else (lambda rva: rva)
        for i, (dll, entries) in enumerate(modules):
            name = s.cstr(dll)
            hmod = s.alloc(size, size)
            int_ = self._thunks(entries, va_form)
            iat = s.alloc(size * (len(entries) + 1), size)
            for j in range(len(entries)):  # each slot starts at the code that loads on first call
                s.write(iat + size * j, (self.image_base + self.code_rva).to_bytes(size, "little"))
            fields = (0 if va_form else 1, fix(name), fix(hmod), fix(iat), fix(int_), 0, 0, 0)
            if va_form and size == 8:
                raise ValueError("Visual C++ 6 wrote only 32-bit images")
            s.write(desc + 32 * i, struct.pack("<8I", *fields))
        self.dirs[13] = (desc, 32 * (len(modules) + 1))
        self.layout.update(delay_dir=desc)

    # --- resources: the three-level tree (type, name, language) of ID entries, then data entries
    def resources(self, items):
        """items: (type_id, name_id, language, bytes)."""
        s = self.rdata
        tree = {}
        for t, n, lang, data in items:
            tree.setdefault(t, {}).setdefault(n, {})[lang] = data
        root = s.alloc(16 + 8 * len(tree))

        def directory(at, entries):
            s.write(at, struct.pack("<IIHHHH", 0, 0, 0, 0, 0, len(entries)))
            for k, (ident, offset) in enumerate(entries):
                s.write(at + 16 + 8 * k, struct.pack("<II", ident, offset))

        type_entries = []
        for t in sorted(tree):
            tdir = s.alloc(16 + 8 * len(tree[t]))
            name_entries = []
            for n in sorted(tree[t]):
                ndir = s.alloc(16 + 8 * len(tree[t][n]))
                lang_entries = []
                for lang in sorted(tree[t][n]):
                    data = tree[t][n][lang]
                    entry = s.alloc(16)
                    data_rva = s.put(data, 4)
                    s.write(entry, struct.pack("<IIII", data_rva, len(data), 0, 0))
                    lang_entries.append((lang, entry - root))
                directory(ndir, lang_entries)
                name_entries.append((n, 0x80000000 | (ndir - root)))
                self.layout[f"resource_{t}_{n}"] = ndir
            directory(tdir, name_entries)
            type_entries.append((t, 0x80000000 | (tdir - root)))
            self.layout[f"resource_{t}"] = tdir
        directory(root, type_entries)
        self.dirs[2] = (root, self.rdata.rva + len(s.buf) - root)
        self.layout.update(resource_dir=root)

    def write(self, dll=True, patch=None):
        """The file's bytes; `patch(image)` may change .rdata (through self.rdata) before."""
        if patch:
            patch(self)
        sections = [self.text, self.rdata]
        dos = bytearray(0x40)
        dos[0:2] = b"MZ"
        struct.pack_into("<I", dos, 0x3C, 0x40)
        characteristics = IMAGE_FILE_EXECUTABLE_IMAGE | (IMAGE_FILE_DLL if dll else 0)
        if not self.pe32_plus:
            characteristics |= IMAGE_FILE_32BIT_MACHINE
        opt_size = 240 if self.pe32_plus else 224
        coff = struct.pack("<HHIIIHH", self.machine, len(sections), 0, 0, 0, opt_size, characteristics)
        raw, raw_at = [], FILE_ALIGN
        for sec in sections:
            size = len(sec.buf) + (-len(sec.buf) % FILE_ALIGN)
            raw.append((raw_at, size))
            raw_at += size
        last = sections[-1]
        size_of_image = last.rva + len(last.buf) + (-(last.rva + len(last.buf)) % 0x1000)
        code_size = raw[0][1]
        data_size = raw[1][1]
        if self.pe32_plus:
            opt = struct.pack("<HBBIIIII", 0x20B, 1, 0, code_size, data_size, 0, 0, self.text.rva)
            opt += struct.pack("<QIIHHHHHHIIIIHHQQQQII", self.image_base, 0x1000, FILE_ALIGN, 5, 2, 0, 0, 5, 2,
                               0, size_of_image, FILE_ALIGN, 0, 2, 0, 0x100000, 0x1000, 0x100000, 0x1000, 0, 16)
        else:
            opt = struct.pack("<HBBIIIIII", 0x10B, 1, 0, code_size, data_size, 0, 0, self.text.rva,
                              self.rdata.rva)
            opt += struct.pack("<IIIHHHHHHIIIIHHIIIIII", self.image_base, 0x1000, FILE_ALIGN, 5, 2, 0, 0, 5, 2,
                               0, size_of_image, FILE_ALIGN, 0, 2, 0, 0x100000, 0x1000, 0x100000, 0x1000, 0, 16)
        for rva, size in self.dirs:
            opt += struct.pack("<II", rva, size)
        assert len(opt) == opt_size
        table = b""
        for sec, (at, size) in zip(sections, raw):
            table += struct.pack("<8sIIIIIIHHI", sec.name, len(sec.buf), sec.rva, size, at, 0, 0, 0, 0,
                                 sec.characteristics)
        headers = bytes(dos) + b"PE\0\0" + coff + opt + table
        assert len(headers) <= FILE_ALIGN
        out = bytearray(headers + b"\0" * (FILE_ALIGN - len(headers)))
        for sec, (at, size) in zip(sections, raw):
            out += sec.buf + b"\0" * (size - len(sec.buf))
        return set_checksum(bytes(out))


def _opt_offset(data):
    return struct.unpack_from("<I", data, 0x3C)[0] + 24


def set_checksum(data):
    """The optional header's CheckSum as imagehlp's CheckSumMappedFile computes it: a 16-bit
    one's-complement sum of the file's words (CheckSum itself taken as zero) plus the file length."""
    at = _opt_offset(data) + 64
    data = bytearray(data)
    data[at:at + 4] = b"\0\0\0\0"
    padded = bytes(data) + b"\0" * (len(data) % 2)
    total = 0
    for (word,) in struct.iter_unpack("<H", padded):
        total += word
        total = (total & 0xFFFF) + (total >> 16)
    struct.pack_into("<I", data, at, (total + len(data)) & 0xFFFFFFFF)
    return bytes(data)


def set_data_directory(data, index, rva, size):
    """Points data directory `index` at (rva, size) and recomputes the checksum."""
    opt = _opt_offset(data)
    pe32_plus = struct.unpack_from("<H", data, opt)[0] == 0x20B
    at = opt + (112 if pe32_plus else 96) + 8 * index
    data = bytearray(data)
    struct.pack_into("<II", data, at, rva, size)
    return set_checksum(bytes(data))


def system_images():
    """Stand-ins for the system DLLs a Windows Server 2003 SP2 drive holds, per bitness: kernel32.dll
    without Vista's additions (system_exports.py says where the names come from), ntdll.dll with
    what kernel32.dll forwards to and imports, and msvcr80.dll, the Visual C++ 2005 CRT."""
    import system_exports as sx
    out = {}
    for arch, machine, plus in (("x86", MACHINE_I386, False), ("x64", MACHINE_AMD64, True)):
        k32 = Image(machine, plus)
        names = sx.KERNEL32_COMMON + (sx.KERNEL32_X86_ONLY if arch == "x86" else [])
        forwards = dict(sx.KERNEL32_FORWARDS, **(sx.KERNEL32_X64_FORWARDS if arch == "x64" else {}))
        k32.exports("KERNEL32.dll", [Export(n) for n in names] + [Export(n, forward=f) for n, f in forwards.items()])
        k32.imports([("ntdll.dll", sx.KERNEL32_IMPORTS_FROM_NTDLL)])
        out[f"{arch}/system/kernel32.dll"] = k32.write()
        ntdll = Image(machine, plus)
        ntdll.exports("ntdll.dll", [Export(n) for n in sx.NTDLL_COMMON + (sx.NTDLL_X64_ONLY if arch == "x64" else [])])
        out[f"{arch}/system/ntdll.dll"] = ntdll.write()
        crt = Image(machine, plus)
        crt.exports("MSVCR80.dll", [Export(n) for n in sx.MSVCR80])
        crt.imports([("KERNEL32.dll", ["GetLastError", "HeapAlloc", "HeapFree", "TlsGetValue"])])
        out[f"{arch}/system/msvcr80.dll"] = crt.write()
    return out


def extension(image, dll_name, more=()):
    image.exports(dll_name, [Export(n) for n in EXTENSION_EXPORTS] + list(more))


def dependency_images():
    """Written images of the dependency tests: the shapes MinGW does not write, and hostile ones."""
    out = {}
    # The Visual C++ 6 form of delay-load imports (grAttrs 0: every field a VA), which later
    # delay-load helpers refuse but a VC6 DLL's own helper reads.
    vc6 = Image(MACHINE_I386, False)
    extension(vc6, "delay-vc6.dll")
    vc6.imports([("KERNEL32.dll", ["GetTickCount"])])
    vc6.delay_imports([("helper.dll", ["HelperFunc", 5])], va_form=True)
    out["x86/deps/delay-vc6.dll"] = vc6.write()
    # Forwarders GNU ld cannot write: by ordinal (helper.#5), and to a DLL no drive holds.
    fwd = Image(MACHINE_AMD64, True)
    extension(fwd, "forward-ordinal.dll", [Export("ByOrdinal", forward="helper.#5"),
                                           Export("Gone", forward="absent.Func")])
    out["x64/deps/forward-ordinal.dll"] = fwd.write()

    # Hostile shapes the bounded readers must survive (loadable enough to classify).
    for me, other in (("forward-loop-a", "forward-loop-b"), ("forward-loop-b", "forward-loop-a")):
        img = Image(MACHINE_AMD64, True)
        extension(img, f"{me}.dll", [Export("Func", forward=f"{other}.Func")])
        out[f"hostile/{me}.dll"] = img.write()

    beyond = Image(MACHINE_AMD64, True)
    extension(beyond, "export-ordinal-beyond.dll", [Export("Beyond"), Export("Empty", empty=True)])

    def point_beyond(img):
        # Name "Beyond" (index 0 in the sorted name table) gets ordinal-table index 7: past the
        # 5 slots of the address table.
        img.rdata.write(img.layout["ordinals"], struct.pack("<H", 7))
    out["hostile/export-ordinal-beyond.dll"] = beyond.write(patch=point_beyond)

    selfish = Image(MACHINE_AMD64, True)
    extension(selfish, "export-self.dll")

    def point_at_itself(img):
        # The name pointer table is the export directory itself (its first fields, zeros, make
        # every name RVA 0: the headers' "MZ"), and the address table starts at its Name field,
        # whose RVA lies inside the directory: a forwarder string "export-self.dll".
        d = img.layout["export_dir"]
        img.rdata.write(d + 28, struct.pack("<II", d + 12, d))
    out["hostile/export-self.dll"] = selfish.write(patch=point_at_itself)

    looped = Image(MACHINE_AMD64, True)
    extension(looped, "resource-loop.dll")
    looped.resources([(24, 2, 1033, b"<assembly/>")])

    def loop_back(img):
        # The language entry under RT_MANIFEST/2 leads back to the root directory.
        ndir = img.layout["resource_24_2"]
        img.rdata.write(ndir + 16 + 4, struct.pack("<I", 0x80000000))
    out["hostile/resource-loop.dll"] = looped.write(patch=loop_back)

    two = Image(MACHINE_I386, False)
    extension(two, "manifest-two-ids.dll")
    two.resources([(24, 1, 1033, VC80_MANIFEST.format(arch="x86").encode()),
                   (24, 2, 1033, VC80_MANIFEST.format(arch="x86").encode())])
    out["hostile/manifest-two-ids.dll"] = two.write()

    # Corrupt: import tables the loader cannot walk.
    unterminated = Image(MACHINE_AMD64, True)
    extension(unterminated, "imports-unterminated.dll")
    unterminated.imports([("KERNEL32.dll", ["GetTickCount"])])

    def run_off(img):
        # Descriptors that never end: copies of the real one fill .rdata, the last section, to its
        # very end (raw size = virtual size, no zero padding), the last copy cut short by it; the
        # import directory points at the first copy. No terminating descriptor is ever found.
        d = img.layout["import_dir"] - img.rdata.rva
        first = bytes(img.rdata.buf[d:d + 20])
        sec = img.rdata
        sec.buf += b"\0" * (-len(sec.buf) % 4)
        start = sec.rva + len(sec.buf)
        room = -len(sec.buf) % FILE_ALIGN
        if room < 100:
            room += FILE_ALIGN
        sec.buf += (first * (room // 20 + 1))[:room]
        img.dirs[1] = (start, room)
    out["corrupt/imports-unterminated.dll"] = unterminated.write(patch=run_off)

    outside = Image(MACHINE_I386, False)
    extension(outside, "import-name-outside.dll")
    outside.imports([("KERNEL32.dll", ["GetTickCount"])])

    def name_outside(img):
        img.rdata.write(img.layout["import_dir"] + 12, struct.pack("<I", 0x7FFF0000))
    out["corrupt/import-name-outside.dll"] = outside.write(patch=name_outside)
    return out


# What Visual C++ 2005 SP1 embeds in a /MD DLL (as src/deps/vc80-*.manifest).
VC80_MANIFEST = """<?xml version='1.0' encoding='UTF-8' standalone='yes'?>
<assembly xmlns='urn:schemas-microsoft-com:asm.v1' manifestVersion='1.0'>
  <dependency>
    <dependentAssembly>
      <assemblyIdentity type='win32' name='Microsoft.VC80.CRT' version='8.0.50727.762' processorArchitecture='{arch}' publicKeyToken='1fc8b3b9a1e18e3b' />
    </dependentAssembly>
  </dependency>
</assembly>
"""


def images():
    """name -> bytes of every image this writer makes."""
    return {
        "ia64/isapi-filter.dll": build(MACHINE_IA64, True, FILTER_EXPORTS, "isapi-filter.dll"),
        "ia64/isapi-extension.dll": build(MACHINE_IA64, True, EXTENSION_EXPORTS, "isapi-extension.dll"),
        "ia64/compression.dll": build(MACHINE_IA64, True, COMPRESSION_EXPORTS, "compression.dll"),
        "arm64/isapi-extension.dll": build(MACHINE_ARM64, True, EXTENSION_EXPORTS, "isapi-extension.dll"),
        "managed/il-only.dll": build(MACHINE_I386, False, (), "il-only.dll", clr_flags=COMIMAGE_FLAGS_ILONLY),
        "managed/il-32bit-required.dll": build(MACHINE_I386, False, (), "il-32.dll",
                                               clr_flags=COMIMAGE_FLAGS_ILONLY | COMIMAGE_FLAGS_32BITREQUIRED),
        "corrupt/many-sections.dll": build(MACHINE_AMD64, True, FILTER_EXPORTS, number_of_sections=65535),
        "corrupt/export-outside.dll": build(MACHINE_AMD64, True, FILTER_EXPORTS, export_rva=0x7FFF0000),
        "corrupt/file-alignment-zero.dll": build(MACHINE_AMD64, True, FILTER_EXPORTS, file_alignment=0),
        **system_images(),
        **dependency_images(),
    }
