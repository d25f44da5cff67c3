#!/usr/bin/env python3
"""A minimal PE writer for the test images no toolchain here produces: IA64 and ARM64 DLLs, managed
(IL-only) assemblies, and deliberately corrupt images. Layout per the PE/COFF specification: DOS header
with e_lfanew at 0x3C, "PE\\0\\0", COFF header, optional header (PE32 0x10B / PE32+ 0x20B) with 16 data
directories, one section holding the export directory and the CLR header.
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
    }
