//! A PE image built in memory for the readers' unit tests: one section at RVA 0x1000 whose bytes
//! the test writes at the RVAs it chooses, and data directories it points where it likes, so each
//! hostile shape is a few lines.

pub(crate) const SECTION_RVA: u32 = 0x1000;
const FILE_ALIGN: usize = 0x200;

pub(crate) struct TestImage {
    pub pe32_plus: bool,
    pub dirs: [(u32, u32); 16],
    /// The section's bytes, from RVA 0x1000.
    pub section: Vec<u8>,
    /// Virtual size beyond the raw data: read as zeros.
    pub zero_tail: u32,
}

impl TestImage {
    pub fn new(pe32_plus: bool) -> TestImage {
        TestImage {
            pe32_plus,
            dirs: [(0, 0); 16],
            section: Vec::new(),
            zero_tail: 0,
        }
    }

    pub fn image_base(&self) -> u64 {
        if self.pe32_plus { 0x1_8000_0000 } else { 0x1000_0000 }
    }

    /// Writes `bytes` at `rva` (in the section), growing it as needed.
    pub fn put(&mut self, rva: u32, bytes: &[u8]) -> &mut TestImage {
        let at = (rva - SECTION_RVA) as usize;
        if self.section.len() < at + bytes.len() {
            self.section.resize(at + bytes.len(), 0);
        }
        self.section[at..at + bytes.len()].copy_from_slice(bytes);
        self
    }

    pub fn put_u16(&mut self, rva: u32, v: u16) -> &mut TestImage {
        self.put(rva, &v.to_le_bytes())
    }

    pub fn put_u32(&mut self, rva: u32, v: u32) -> &mut TestImage {
        self.put(rva, &v.to_le_bytes())
    }

    /// A thunk: 4 bytes in PE32, 8 in PE32+.
    pub fn put_thunk(&mut self, rva: u32, v: u64) -> &mut TestImage {
        if self.pe32_plus {
            self.put(rva, &v.to_le_bytes())
        } else {
            self.put(rva, &(v as u32).to_le_bytes())
        }
    }

    /// A NUL-terminated string.
    pub fn put_str(&mut self, rva: u32, s: &str) -> &mut TestImage {
        let mut bytes = s.as_bytes().to_vec();
        bytes.push(0);
        self.put(rva, &bytes)
    }

    pub fn dir(&mut self, index: usize, rva: u32, size: u32) -> &mut TestImage {
        self.dirs[index] = (rva, size);
        self
    }

    pub fn build(&self) -> Vec<u8> {
        let raw_size = self.section.len().div_ceil(FILE_ALIGN).max(1) * FILE_ALIGN;
        let virtual_size = self.section.len() as u32 + self.zero_tail;
        let size_of_image = SECTION_RVA + virtual_size.div_ceil(0x1000).max(1) * 0x1000;
        let mut out = vec![0u8; FILE_ALIGN];
        out[0..2].copy_from_slice(b"MZ");
        out[0x3c..0x40].copy_from_slice(&0x40u32.to_le_bytes());
        out[0x40..0x44].copy_from_slice(b"PE\0\0");
        let coff = 0x44;
        let machine: u16 = if self.pe32_plus { 0x8664 } else { 0x14c };
        let opt_size: u16 = if self.pe32_plus { 240 } else { 224 };
        out[coff..coff + 2].copy_from_slice(&machine.to_le_bytes());
        out[coff + 2..coff + 4].copy_from_slice(&1u16.to_le_bytes());
        out[coff + 16..coff + 18].copy_from_slice(&opt_size.to_le_bytes());
        out[coff + 18..coff + 20].copy_from_slice(&0x2002u16.to_le_bytes());
        let opt = coff + 20;
        let put32 = |out: &mut Vec<u8>, at: usize, v: u32| out[at..at + 4].copy_from_slice(&v.to_le_bytes());
        if self.pe32_plus {
            out[opt..opt + 2].copy_from_slice(&0x20bu16.to_le_bytes());
            out[opt + 24..opt + 32].copy_from_slice(&self.image_base().to_le_bytes());
        } else {
            out[opt..opt + 2].copy_from_slice(&0x10bu16.to_le_bytes());
            put32(&mut out, opt + 28, self.image_base() as u32);
        }
        put32(&mut out, opt + 32, 0x1000);
        put32(&mut out, opt + 36, FILE_ALIGN as u32);
        put32(&mut out, opt + 56, size_of_image);
        put32(&mut out, opt + 60, FILE_ALIGN as u32);
        let (count_at, dirs_at) = if self.pe32_plus {
            (opt + 108, opt + 112)
        } else {
            (opt + 92, opt + 96)
        };
        put32(&mut out, count_at, 16);
        for (i, (rva, size)) in self.dirs.iter().enumerate() {
            put32(&mut out, dirs_at + 8 * i, *rva);
            put32(&mut out, dirs_at + 8 * i + 4, *size);
        }
        let table = opt + usize::from(opt_size);
        out[table..table + 8].copy_from_slice(b".rdata\0\0");
        put32(&mut out, table + 8, virtual_size);
        put32(&mut out, table + 12, SECTION_RVA);
        put32(&mut out, table + 16, raw_size as u32);
        put32(&mut out, table + 20, FILE_ALIGN as u32);
        put32(&mut out, table + 36, 0x4000_0040);
        out.extend_from_slice(&self.section);
        out.resize(FILE_ALIGN + raw_size, 0);
        out
    }
}
