"""A small writer of Windows registry hive files (regf), for test data only.

Follows "Windows registry file format specification" by Maxim Suhanov
(https://github.com/msuhanov/regf/blob/master/Windows%20registry%20file%20format%20specification.md):
a 4096-byte base block, then hive bins (multiples of 4096 bytes, a 32-byte "hbin" header each) filled with
cells (a signed size, negative when allocated, aligned to 8 bytes). Keys are "nk" cells with ASCII names
(KEY_COMP_NAME) unless a name needs UTF-16, subkeys are listed in "lh" hash leaves sorted by upper-cased
name, values are "vk" cells with their data in a cell of its own, or in the data offset field when it is 4
bytes or less, or (format 1.4 and later) in big data records when it is longer than 16,344 bytes. Every key shares one "sk" security cell. Format version 1.3 by default, as Windows XP and Server
2003 write it.

Cells can also be built by hand ([Hive.raw], [Hive.ri], list contents naming any cell), for hives no
Windows would write: a subkeys list that contains itself, counts that lie, and so on.

Used by make_hives.py; validated by reading its output back with hivexsh (libhivex-bin) and notatin.
"""
import struct

REG_NONE, REG_SZ, REG_EXPAND_SZ, REG_BINARY, REG_DWORD, REG_MULTI_SZ = 0, 1, 2, 3, 4, 7

KEY_HIVE_ENTRY, KEY_NO_DELETE, KEY_COMP_NAME = 0x0004, 0x0008, 0x0020
VALUE_COMP_NAME = 0x0001
HBIN = 4096
HBIN_HEADER = 32
SEGMENT = 16344
# A FILETIME: 2007-01-01T00:00:00Z, so that the files do not change each time they are made.
WRITTEN = 128120832000000000


def align8(n):
    return (n + 7) & ~7


def utf16z(text):
    return text.encode("utf-16-le") + b"\0\0"


def multi_sz(strings):
    return b"".join(utf16z(s) for s in strings) + b"\0\0"


def name_bytes(name):
    """(bytes, is_ascii): Latin-1 when every character fits, as Windows stores names."""
    try:
        return name.encode("latin-1"), True
    except UnicodeEncodeError:
        return name.encode("utf-16-le"), False


def name_hash(name):
    h = 0
    for ch in name.upper():
        h = (h * 37 + ord(ch)) & 0xFFFFFFFF
    return h


class Cell:
    """A cell: `size` bytes of data (without the size field), rendered once every cell has an offset."""

    def __init__(self, hive, size, render):
        self.hive = hive
        self.size = size
        self.render = render  # offsets: dict[Cell, int] -> bytes (exactly `size` bytes or fewer)
        self.offset = None
        self.free = False
        hive.cells.append(self)


class Hive:
    def __init__(self, root_name="$$$PROTO.HIV", minor=3):
        self.cells = []
        self.minor = minor
        # The root key first, then the security cell: notatin reads the first cell of the first bin
        # as the root, as Windows lays it out.
        self.root = self.key(None, root_name, root=True)
        self.sk = self._security()
        # Header fields a test may spoil.
        self.primary_seq = 1
        self.secondary_seq = 1
        self.file_type = 0
        self.bad_checksum = False

    # --- cells --------------------------------------------------------------------------------------

    def _security(self):
        # A self-relative security descriptor with a NULL DACL: revision 1, control SE_SELF_RELATIVE |
        # SE_DACL_PRESENT, no owner, group, SACL or DACL.
        descriptor = struct.pack("<BBHIIII", 1, 0, 0x8004, 0, 0, 0, 0)

        def render(offsets):
            me = offsets[cell]
            refs = len([c for c in self.cells if isinstance(getattr(c, "key", None), Key)])
            return b"sk" + struct.pack("<HIIII", 0, me, me, refs, len(descriptor)) + descriptor

        cell = Cell(self, 20 + len(descriptor), render)
        return cell

    def raw(self, data_or_render, size=None):
        """A cell holding `data` (bytes) or what `render(offsets)` returns (then give `size`)."""
        if isinstance(data_or_render, (bytes, bytearray)):
            data = bytes(data_or_render)
            return Cell(self, len(data), lambda offsets: data)
        return Cell(self, size, data_or_render)

    def key(self, parent, name, root=False):
        k = Key(self, parent, name, root)
        if parent is not None:
            parent.subkeys.append(k)
        return k

    def path(self, path):
        """The key at `a\\b\\c` under the root, made on the way."""
        here = self.root
        for part in path.split("\\"):
            found = next((k for k in here.subkeys if k.name.upper() == part.upper()), None)
            here = found or self.key(here, part)
        return here

    # --- file ---------------------------------------------------------------------------------------

    def build(self):
        for k in [c.key for c in self.cells if isinstance(getattr(c, "key", None), Key)]:
            k.finish()
        # Place cells: each within one hive bin, bins of 4096 bytes or the multiple a cell needs.
        bins = []  # (start, size)
        pos = 0
        bin_start, bin_end = 0, 0
        for cell in self.cells:
            need = align8(4 + cell.size)
            if pos + need > bin_end:
                bin_start = bin_end
                size = HBIN
                while HBIN_HEADER + need > size:
                    size += HBIN
                bins.append((bin_start, size))
                bin_end = bin_start + size
                pos = bin_start + HBIN_HEADER
            cell.offset = pos
            cell.alloc = need
            pos += need
        total = bin_end
        data = bytearray(total)
        offsets = {c: c.offset for c in self.cells}
        for start, size in bins:
            struct.pack_into("<4sIIQQI", data, start, b"hbin", start, size, 0, WRITTEN if start == 0 else 0, 0)
        for cell in self.cells:
            body = cell.render(offsets)
            assert len(body) <= cell.size, (len(body), cell.size)
            size = cell.alloc if cell.free else -cell.alloc
            struct.pack_into("<i", data, cell.offset, size)
            data[cell.offset + 4:cell.offset + 4 + len(body)] = body
        # The space left at the end of each bin is one free cell.
        used_end = {}
        for cell in self.cells:
            for start, size in bins:
                if start <= cell.offset < start + size:
                    used_end[start] = max(used_end.get(start, start + HBIN_HEADER), cell.offset + cell.alloc)
        for start, size in bins:
            end = used_end.get(start, start + HBIN_HEADER)
            if end < start + size:
                struct.pack_into("<i", data, end, start + size - end)
        header = bytearray(HBIN)
        struct.pack_into("<4sIIQIIIIiII", header, 0, b"regf", self.primary_seq, self.secondary_seq, WRITTEN,
                         1, self.minor, self.file_type, 1, self.root.cell.offset, total, 1)
        header[48:48 + 12] = "SYSTEM".encode("utf-16-le")
        checksum = 0
        for (word,) in struct.iter_unpack("<I", bytes(header[:508])):
            checksum ^= word
        if checksum == 0xFFFFFFFF:
            checksum = 0xFFFFFFFE
        elif checksum == 0:
            checksum = 1
        if self.bad_checksum:
            checksum ^= 0x5A5A5A5A
        struct.pack_into("<I", header, 508, checksum)
        return bytes(header) + bytes(data)


class Key:
    def __init__(self, hive, parent, name, root):
        self.hive = hive
        self.parent = parent
        self.name = name
        self.root = root
        self.subkeys = []
        self.values = []  # (name, type, bytes)
        # Overrides for hand-made hives: a cell to use as the subkeys list or the values list, and
        # counts that differ from the truth.
        self.subkeys_list = None
        self.values_list = None
        self.subkey_count = None
        self.value_count = None
        raw, ascii_name = name_bytes(name)
        self._name = raw
        self._flags = (KEY_COMP_NAME if ascii_name else 0) | ((KEY_HIVE_ENTRY | KEY_NO_DELETE) if root else 0)
        self.cell = Cell(hive, 76 + len(raw), self._render)
        self.cell.key = self

    def value(self, name, kind, data):
        """Adds a value: `data` is bytes, a str (REG_SZ/EXPAND_SZ), a list (MULTI_SZ) or an int (DWORD)."""
        if isinstance(data, str):
            data = utf16z(data)
        elif isinstance(data, list):
            data = multi_sz(data)
        elif isinstance(data, int):
            data = struct.pack("<I", data)
        self.values.append((name, kind, data))
        return self

    def finish(self):
        hive = self.hive
        if self.subkeys and self.subkeys_list is None:
            ordered = sorted(self.subkeys, key=lambda k: k.name.upper())

            def render_lh(offsets, ordered=ordered):
                out = b"lh" + struct.pack("<H", len(ordered))
                for k in ordered:
                    out += struct.pack("<II", offsets[k.cell], name_hash(k.name))
                return out

            self.subkeys_list = hive.raw(render_lh, 4 + 8 * len(ordered))
        if self.values and self.values_list is None:
            vks = [self._vk(name, kind, data) for name, kind, data in self.values]
            self.values_list = hive.raw(lambda offsets, vks=vks: b"".join(struct.pack("<I", offsets[v]) for v in vks),
                                        4 * len(vks))

    def _vk(self, name, kind, data):
        hive = self.hive
        raw, ascii_name = name_bytes(name)
        if len(data) <= 4:
            resident = data.ljust(4, b"\0")

            def render(offsets):
                return b"vk" + struct.pack("<HIIIHH", len(raw), len(data) | 0x80000000,
                                           struct.unpack("<I", resident)[0], kind,
                                           VALUE_COMP_NAME if ascii_name else 0, 0) + raw
        elif len(data) > SEGMENT and hive.minor >= 4:
            # Big data (format 1.4 and later): a `db` record, a list of segments, segments of 16,344
            # bytes (the last one shorter).
            parts = [hive.raw(data[i:i + SEGMENT]) for i in range(0, len(data), SEGMENT)]
            segments = hive.raw(lambda offsets: b"".join(struct.pack("<I", offsets[p]) for p in parts),
                                4 * len(parts))
            holder = hive.raw(lambda offsets: b"db" + struct.pack("<HI", len(parts), offsets[segments]), 8)

            def render(offsets):
                return b"vk" + struct.pack("<HIIIHH", len(raw), len(data), offsets[holder], kind,
                                           VALUE_COMP_NAME if ascii_name else 0, 0) + raw
        else:
            holder = hive.raw(data)

            def render(offsets):
                return b"vk" + struct.pack("<HIIIHH", len(raw), len(data), offsets[holder], kind,
                                           VALUE_COMP_NAME if ascii_name else 0, 0) + raw
        return hive.raw(render, 20 + len(raw))

    def _render(self, offsets):
        n_sub = len(self.subkeys) if self.subkey_count is None else self.subkey_count
        n_val = len(self.values) if self.value_count is None else self.value_count
        sub = offsets[self.subkeys_list] if self.subkeys_list is not None else 0xFFFFFFFF
        val = offsets[self.values_list] if self.values_list is not None else 0xFFFFFFFF
        parent = offsets[self.parent.cell] if self.parent is not None else 0xFFFFFFFF
        longest_sub = max((len(name_bytes(k.name)[0]) for k in self.subkeys), default=0)
        longest_val = max((len(name_bytes(v[0])[0]) for v in self.values), default=0)
        largest = max((len(v[2]) for v in self.values), default=0)
        return (b"nk" + struct.pack("<HQIIIIIIIIIiIIIIIHH", self._flags, WRITTEN, 0, parent, n_sub, 0, sub,
                                    0xFFFFFFFF, n_val, val, offsets[self.hive.sk], -1, longest_sub, 0,
                                    longest_val, largest, 0, len(self._name), 0)
                + self._name)
