//! Several cubins of one target as one ELF file, so that one nvdisasm run
//! disassembles them all.
//!
//! nvdisasm's cost is nearly all start-up: about 0.2–0.35 s per run to set up
//! its tables for the cubin's target, done again by every run (and by
//! `cuobjdump -sass`, which starts one nvdisasm per image of a fat binary),
//! against milliseconds to decode a test's kernels. [`merge`] lays the code
//! of many cubins side by side in one relocatable ELF with one symbol table;
//! [`split_listing`] cuts nvdisasm's `--print-code` listing of it back into
//! one listing per cubin.
//!
//! What nvdisasm prints for a function depends on its code section, its
//! symbols, its relocations, its constant banks (an indirect branch's table)
//! and its `.nv.info.<function>` attributes; the merged file keeps all of
//! those, renumbering section and symbol indices. It drops what the code
//! listing never shows: the module-wide `.nv.info` (per-function register and
//! stack counts), the call graph, debug frames, notes and the `.nv.merc` /
//! `.nv.capmerc` copies for later recompilation. Two things differ in the
//! listing and both are removed by the `sass` stage's clean-up: branch labels
//! are numbered across the whole merged module, and the column an indirect
//! branch's `BRANCH_TARGETS` comment starts at depends on the longest
//! instruction of the module.
//!
//! Only sections and attributes this module knows are accepted: a cubin with
//! anything else is not merged ([`Cubin::parse`] says why) and is
//! disassembled on its own, as is a group whose cubins share a symbol name.

use std::collections::{BTreeSet, HashMap};

const SHT_SYMTAB: u32 = 2;
const SHT_STRTAB: u32 = 3;
const SHT_RELA: u32 = 4;
const SHT_NOBITS: u32 = 8;
const SHT_REL: u32 = 9;
const SHT_CUDA_INFO: u32 = 0x7000_0000;
const SHF_INFO_LINK: u64 = 0x40;
const SHN_LORESERVE: u16 = 0xff00;
const ET_REL: u16 = 1;
const EM_CUDA: u16 = 190;
const EHDR_SIZE: usize = 64;
const SHDR_SIZE: usize = 64;
const SYM_SIZE: usize = 24;

/// The `.nv.info.<function>` attributes seen in ptxas 13.0's cubins for the
/// matrix's targets, none of which holds a symbol index except
/// `EIATTR_PARAM_CBANK` (0x0a), which is renumbered. A cubin with another
/// attribute is not merged.
const KNOWN_ATTRIBUTES: &[u8] = &[
    0x0a, 0x17, 0x19, 0x1b, 0x1c, 0x1e, 0x28, 0x29, 0x31, 0x34, 0x35, 0x36, 0x37, 0x4a, 0x4c, 0x50,
    0x5f,
];
const EIATTR_PARAM_CBANK: u8 = 0x0a;
const EIFMT_SVAL: u8 = 4;

#[derive(Clone, Debug)]
struct Section {
    name: Vec<u8>,
    kind: u32,
    flags: u64,
    addr: u64,
    link: u32,
    info: u32,
    align: u64,
    entsize: u64,
    /// The contents (empty for `SHT_NOBITS`).
    data: Vec<u8>,
    /// The size (`SHT_NOBITS` has one without contents).
    size: u64,
}

#[derive(Clone, Debug)]
struct Symbol {
    name: Vec<u8>,
    info: u8,
    other: u8,
    shndx: u16,
    value: u64,
    size: u64,
}

/// A parsed cubin that [`merge`] accepts.
#[derive(Clone, Debug)]
pub struct Cubin {
    ident: [u8; 16],
    /// `e_machine`, `e_version`, `e_flags`: the target.
    machine: u16,
    version: u32,
    flags: u32,
    sections: Vec<Section>,
    symbols: Vec<Symbol>,
    /// Index of the first global symbol.
    first_global: usize,
}

fn field<const N: usize>(bytes: &[u8], at: usize) -> Result<[u8; N], String> {
    bytes
        .get(at..at + N)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| format!("truncated at byte {at}"))
}
fn u16_at(b: &[u8], at: usize) -> Result<u16, String> {
    Ok(u16::from_le_bytes(field(b, at)?))
}
fn u32_at(b: &[u8], at: usize) -> Result<u32, String> {
    Ok(u32::from_le_bytes(field(b, at)?))
}
fn u64_at(b: &[u8], at: usize) -> Result<u64, String> {
    Ok(u64::from_le_bytes(field(b, at)?))
}
fn c_string(table: &[u8], at: usize) -> Result<Vec<u8>, String> {
    let rest = table
        .get(at..)
        .ok_or_else(|| format!("string offset {at} out of range"))?;
    let end = rest
        .iter()
        .position(|&b| b == 0)
        .ok_or("unterminated string")?;
    Ok(rest[..end].to_vec())
}

/// Sections the code listing never shows, left out of a merged file.
fn dropped(name: &[u8]) -> bool {
    matches!(
        name,
        b".nv.info"
            | b".nv.callgraph"
            | b".nv.rel.action"
            | b".nv.compat"
            | b".debug_frame"
            | b".rel.debug_frame"
            | b".rela.debug_frame"
            | b".note.nv.tkinfo"
            | b".note.nv.cuinfo"
    ) || name.starts_with(b".nv.merc.")
        || name.starts_with(b".nv.capmerc")
}

/// Sections a merged file keeps, by name and type.
fn known(s: &Section) -> bool {
    let n = s.name.as_slice();
    let constant = n.strip_prefix(b".nv.constant").is_some_and(|rest| {
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        digits > 0 && (rest.len() == digits || rest[digits] == b'.')
    });
    match s.kind {
        SHT_REL | SHT_RELA => true,
        SHT_CUDA_INFO => n.starts_with(b".nv.info.") && s.flags & SHF_INFO_LINK != 0,
        SHT_NOBITS => n.starts_with(b".nv.shared.") || n == b".nv.global",
        1 => n.starts_with(b".text.") || constant,
        _ => false,
    }
}

impl Cubin {
    /// Parses a cubin (an executable ELF for one target), or says why it
    /// can't be merged.
    pub fn parse(bytes: &[u8]) -> Result<Cubin, String> {
        let ident: [u8; 16] = field(bytes, 0)?;
        if &ident[..4] != b"\x7fELF" || ident[4] != 2 || ident[5] != 1 {
            return Err("not a 64-bit little-endian ELF file".into());
        }
        let machine = u16_at(bytes, 18)?;
        if machine != EM_CUDA {
            return Err(format!("e_machine {machine} is not EM_CUDA"));
        }
        let version = u32_at(bytes, 20)?;
        let shoff = u64_at(bytes, 40)? as usize;
        let flags = u32_at(bytes, 48)?;
        let shentsize = u16_at(bytes, 58)? as usize;
        let shnum = u16_at(bytes, 60)? as usize;
        let shstrndx = u16_at(bytes, 62)? as usize;
        if shentsize != SHDR_SIZE || shnum == 0 || shstrndx >= shnum {
            return Err("unexpected section header table".into());
        }
        let mut raw = Vec::with_capacity(shnum);
        for i in 0..shnum {
            let at = shoff + i * SHDR_SIZE;
            let (kind, offset, size) = (
                u32_at(bytes, at + 4)?,
                u64_at(bytes, at + 24)? as usize,
                u64_at(bytes, at + 32)?,
            );
            let data = if kind == SHT_NOBITS || i == 0 {
                Vec::new()
            } else {
                bytes
                    .get(offset..offset + size as usize)
                    .ok_or_else(|| format!("section {i} lies outside the file"))?
                    .to_vec()
            };
            raw.push((
                u32_at(bytes, at)?,
                Section {
                    name: Vec::new(),
                    kind,
                    flags: u64_at(bytes, at + 8)?,
                    addr: u64_at(bytes, at + 16)?,
                    link: u32_at(bytes, at + 40)?,
                    info: u32_at(bytes, at + 44)?,
                    align: u64_at(bytes, at + 48)?,
                    entsize: u64_at(bytes, at + 56)?,
                    data,
                    size,
                },
            ));
        }
        let names = raw[shstrndx].1.data.clone();
        let mut sections = Vec::with_capacity(shnum);
        for (name, mut s) in raw {
            s.name = c_string(&names, name as usize)?;
            sections.push(s);
        }
        let symtabs: Vec<usize> = (0..shnum)
            .filter(|&i| sections[i].kind == SHT_SYMTAB)
            .collect();
        let [symtab] = symtabs[..] else {
            return Err(format!("{} symbol tables", symtabs.len()));
        };
        let strtab = sections[symtab].link as usize;
        let strings = &sections
            .get(strtab)
            .ok_or("the symbol table's string table is missing")?
            .data;
        let table = &sections[symtab].data;
        let mut symbols = Vec::with_capacity(table.len() / SYM_SIZE);
        for at in (0..table.len() / SYM_SIZE).map(|k| k * SYM_SIZE) {
            symbols.push(Symbol {
                name: c_string(strings, u32_at(table, at)? as usize)?,
                info: table[at + 4],
                other: table[at + 5],
                shndx: u16_at(table, at + 6)?,
                value: u64_at(table, at + 8)?,
                size: u64_at(table, at + 16)?,
            });
        }
        let first_global = sections[symtab].info as usize;
        if first_global == 0 || first_global > symbols.len() {
            return Err("the symbol table has no null symbol or a bad first global".into());
        }
        // The sections a merge keeps: not the tables it rebuilds, not those
        // the listing never shows, nor relocations of a section left out.
        let skip: BTreeSet<usize> = [0, shstrndx, symtab, strtab].into();
        let mut keep: Vec<bool> = (0..shnum)
            .map(|i| !skip.contains(&i) && !dropped(&sections[i].name))
            .collect();
        for (i, s) in sections.iter().enumerate() {
            if matches!(s.kind, SHT_REL | SHT_RELA)
                && !keep.get(s.info as usize).copied().unwrap_or(false)
            {
                keep[i] = false;
            }
        }
        let mut kept: Vec<Option<u32>> = vec![None; shnum];
        for (next, i) in (1..).zip((0..shnum).filter(|&i| keep[i])) {
            if !known(&sections[i]) {
                return Err(format!(
                    "section {} (type {:#x}) is not one a merge knows",
                    String::from_utf8_lossy(&sections[i].name),
                    sections[i].kind
                ));
            }
            kept[i] = Some(next);
        }
        // Section references count from 1 in the kept list (0 stays null).
        let map = |i: u32| kept.get(i as usize).copied().flatten();
        let mut cubin = Cubin {
            ident,
            machine,
            version,
            flags,
            sections: Vec::new(),
            symbols,
            first_global,
        };
        for i in (0..shnum).filter(|&i| keep[i]) {
            let mut s = sections[i].clone();
            let name = String::from_utf8_lossy(&s.name).into_owned();
            if matches!(s.kind, SHT_REL | SHT_RELA) || s.flags & SHF_INFO_LINK != 0 {
                s.info = map(s.info).ok_or_else(|| {
                    format!("section {name} refers to a section that is left out")
                })?;
            }
            if s.link as usize == symtab {
                s.link = u32::MAX; // the merged symbol table
            } else if s.link != 0 {
                return Err(format!("section {name} links to section {}", s.link));
            }
            if s.kind == SHT_CUDA_INFO {
                check_attributes(&s.data, &s.name)?;
            }
            cubin.sections.push(s);
        }
        for sym in &mut cubin.symbols {
            if sym.shndx != 0 && sym.shndx < SHN_LORESERVE {
                // A symbol of a section left out (a debug frame's) points nowhere.
                sym.shndx = map(u32::from(sym.shndx)).unwrap_or(0) as u16;
            }
        }
        Ok(cubin)
    }

    /// What cubins must share to be merged: the target (`e_flags`) and the
    /// ELF identity.
    pub fn target(&self) -> (u32, [u8; 16], u16, u32) {
        (self.flags, self.ident, self.machine, self.version)
    }

    /// The names of the code sections, in the order nvdisasm lists them
    /// (without `.text.`).
    pub fn code_sections(&self) -> Vec<String> {
        self.sections
            .iter()
            .filter_map(|s| s.name.strip_prefix(b".text."))
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .collect()
    }

    /// Bytes of code, which a batch limits (its listing is captured whole).
    pub fn code_bytes(&self) -> u64 {
        self.sections
            .iter()
            .filter(|s| s.name.starts_with(b".text."))
            .map(|s| s.size)
            .sum()
    }

    /// The names of its functions and code sections: two cubins that share
    /// one (two tests with a `#[no_mangle]` kernel of the same name) are not
    /// merged. The names every cubin has (`.nv.reservedSmem.offset0`,
    /// `.nv.shared.reserved.0`, the constant banks') don't count.
    pub fn names(&self) -> BTreeSet<Vec<u8>> {
        const STT_FUNC: u8 = 2;
        self.symbols
            .iter()
            .filter(|s| s.info & 0xf == STT_FUNC)
            .map(|s| s.name.clone())
            .chain(
                self.sections
                    .iter()
                    .filter(|s| s.name.starts_with(b".text."))
                    .map(|s| s.name.clone()),
            )
            .collect()
    }
}

/// Every attribute of an `.nv.info.<function>` section is one [`KNOWN_ATTRIBUTES`] lists.
fn check_attributes(data: &[u8], name: &[u8]) -> Result<(), String> {
    let mut at = 0;
    while at < data.len() {
        let (format, attribute) = (data[at], *data.get(at + 1).ok_or("truncated attribute")?);
        if !KNOWN_ATTRIBUTES.contains(&attribute) {
            return Err(format!(
                "{} has attribute {attribute:#x}, which a merge does not know",
                String::from_utf8_lossy(name)
            ));
        }
        at += match format {
            EIFMT_SVAL => 4 + u16_at(data, at + 2)? as usize,
            1..=3 => 4,
            _ => return Err(format!("attribute format {format}")),
        };
    }
    Ok(())
}

/// Renumbers the symbol index of each `EIATTR_PARAM_CBANK` attribute.
fn renumber_attributes(data: &mut [u8], symbol: &dyn Fn(u32) -> u32) {
    let mut at = 0;
    while at + 4 <= data.len() {
        let (format, attribute) = (data[at], data[at + 1]);
        let size = u16::from_le_bytes([data[at + 2], data[at + 3]]) as usize;
        if format == EIFMT_SVAL && attribute == EIATTR_PARAM_CBANK && size >= 4 {
            let old = u32::from_le_bytes(data[at + 4..at + 8].try_into().unwrap());
            data[at + 4..at + 8].copy_from_slice(&symbol(old).to_le_bytes());
        }
        at += if format == EIFMT_SVAL { 4 + size } else { 4 };
    }
}

/// One relocatable ELF holding the code of all `cubins` (one target, no
/// shared names: see [`Cubin::target`] and [`Cubin::names`]).
pub fn merge(cubins: &[Cubin]) -> Result<Vec<u8>, String> {
    let first = cubins.first().ok_or("nothing to merge")?;
    if cubins.iter().any(|c| c.target() != first.target()) {
        return Err("the cubins are for different targets".into());
    }
    let mut bases = Vec::new();
    let mut next = 4usize;
    for c in cubins {
        bases.push(next - 1); // cubin section k (from 1) becomes base + k
        next += c.sections.len();
    }
    let (symbols, symbol_maps) = merged_symbols(cubins, &bases)?;
    let first_global = 1 + cubins.iter().map(|c| c.first_global - 1).sum::<usize>();
    let (strtab, symtab) = symbol_table(&symbols);
    let table =
        |name: &[u8], kind: u32, data: Vec<u8>, link: u32, info: u32, align: u64, entsize: u64| {
            Section {
                name: name.to_vec(),
                kind,
                flags: 0,
                addr: 0,
                link,
                info,
                align,
                entsize,
                size: data.len() as u64,
                data,
            }
        };
    let mut sections = vec![
        table(b"", 0, Vec::new(), 0, 0, 0, 0),
        table(b".shstrtab", SHT_STRTAB, Vec::new(), 0, 0, 1, 0),
        table(b".strtab", SHT_STRTAB, strtab, 0, 0, 1, 0),
        table(
            b".symtab",
            SHT_SYMTAB,
            symtab,
            MERGED_STRTAB,
            first_global as u32,
            8,
            SYM_SIZE as u64,
        ),
    ];
    for (ci, c) in cubins.iter().enumerate() {
        relocate_sections(c, bases[ci], &symbol_maps[ci], &mut sections)?;
    }
    write_relocatable(first, sections)
}

/// One cubin's symbol indices to the merged file's.
type SymbolMap = HashMap<u32, u32>;

// The merged file's sections: null, .shstrtab, .strtab, .symtab, then each cubin's.
const MERGED_SHSTRTAB: u32 = 1;
const MERGED_STRTAB: u32 = 2;
const MERGED_SYMTAB: u32 = 3;

/// The merged symbol table: null, every cubin's locals, then every cubin's
/// globals, with section indices moved to the merged file's (`bases`); and
/// for each cubin, its old symbol index to the new one.
fn merged_symbols(
    cubins: &[Cubin],
    bases: &[usize],
) -> Result<(Vec<Symbol>, Vec<SymbolMap>), String> {
    // Symbols: null, every cubin's locals, then every cubin's globals.
    let mut symbol_maps: Vec<HashMap<u32, u32>> = vec![HashMap::new(); cubins.len()];
    let mut symbols: Vec<Symbol> = vec![Symbol {
        name: Vec::new(),
        info: 0,
        other: 0,
        shndx: 0,
        value: 0,
        size: 0,
    }];
    for globals in [false, true] {
        for (ci, c) in cubins.iter().enumerate() {
            let range = if globals {
                c.first_global..c.symbols.len()
            } else {
                1..c.first_global
            };
            for k in range {
                let mut s = c.symbols[k].clone();
                if s.shndx != 0 && s.shndx < SHN_LORESERVE {
                    s.shndx = u16::try_from(bases[ci] + s.shndx as usize)
                        .map_err(|_| "too many sections for one file")?;
                }
                symbol_maps[ci].insert(k as u32, symbols.len() as u32);
                symbols.push(s);
            }
            if !globals {
                // The null symbol maps to the null symbol.
                symbol_maps[ci].insert(0, 0);
            }
        }
    }
    Ok((symbols, symbol_maps))
}

/// The `.strtab` and `.symtab` contents of `symbols`.
fn symbol_table(symbols: &[Symbol]) -> (Vec<u8>, Vec<u8>) {
    let mut strtab = vec![0u8];
    let mut symtab = Vec::with_capacity(symbols.len() * SYM_SIZE);
    for s in symbols {
        let name = if s.name.is_empty() {
            0
        } else {
            let at = strtab.len() as u32;
            strtab.extend_from_slice(&s.name);
            strtab.push(0);
            at
        };
        symtab.extend_from_slice(&name.to_le_bytes());
        symtab.extend_from_slice(&[s.info, s.other]);
        symtab.extend_from_slice(&s.shndx.to_le_bytes());
        symtab.extend_from_slice(&s.value.to_le_bytes());
        symtab.extend_from_slice(&s.size.to_le_bytes());
    }
    (strtab, symtab)
}

/// Appends one cubin's sections to the merged file's, their links, infos,
/// relocations and EIATTR symbol indices renumbered (`base`: where its
/// sections start; `map`: its symbols' new indices).
fn relocate_sections(
    c: &Cubin,
    base: usize,
    map: &HashMap<u32, u32>,
    sections: &mut Vec<Section>,
) -> Result<(), String> {
    let symbol = |old: u32| -> Result<u32, String> {
        map.get(&old)
            .copied()
            .ok_or_else(|| format!("symbol index {old} out of range"))
    };
    for s in &c.sections {
        let mut s = s.clone();
        if s.link == u32::MAX {
            s.link = MERGED_SYMTAB;
        }
        if matches!(s.kind, SHT_REL | SHT_RELA) || s.flags & SHF_INFO_LINK != 0 {
            s.info = (base + s.info as usize) as u32;
        } else if s.name.starts_with(b".text.") {
            // The function's symbol in the low 24 bits, registers above.
            s.info = (s.info & 0xff00_0000) | symbol(s.info & 0x00ff_ffff)?;
        }
        match s.kind {
            SHT_REL | SHT_RELA => {
                let entry = if s.kind == SHT_RELA { 24 } else { 16 };
                for at in (0..s.data.len() / entry).map(|k| k * entry + 8) {
                    let info = u64_at(&s.data, at)?;
                    let new =
                        (u64::from(symbol((info >> 32) as u32)?) << 32) | (info & 0xffff_ffff);
                    s.data[at..at + 8].copy_from_slice(&new.to_le_bytes());
                }
            }
            SHT_CUDA_INFO => {
                let failed = std::cell::Cell::new(None);
                renumber_attributes(&mut s.data, &|old| {
                    symbol(old).unwrap_or_else(|e| {
                        failed.set(Some(e));
                        old
                    })
                });
                if let Some(e) = failed.take() {
                    return Err(e);
                }
            }
            _ => {}
        }
        sections.push(s);
    }
    Ok(())
}

/// The merged relocatable ELF: the header of `first`'s kind, the sections'
/// contents (aligned), the section name table and the section headers.
fn write_relocatable(first: &Cubin, mut sections: Vec<Section>) -> Result<Vec<u8>, String> {
    let mut shstrtab = vec![0u8];
    let mut name_at = Vec::with_capacity(sections.len());
    for s in &sections {
        if s.name.is_empty() {
            name_at.push(0u32);
        } else {
            name_at.push(shstrtab.len() as u32);
            shstrtab.extend_from_slice(&s.name);
            shstrtab.push(0);
        }
    }
    sections[MERGED_SHSTRTAB as usize].size = shstrtab.len() as u64;
    sections[MERGED_SHSTRTAB as usize].data = shstrtab;
    // Layout: header, section contents (aligned), section headers.
    let mut out = vec![0u8; EHDR_SIZE];
    let mut offsets = vec![0u64; sections.len()];
    for (i, s) in sections.iter().enumerate().skip(1) {
        if s.kind != SHT_NOBITS {
            let align = s.align.max(1) as usize;
            while !out.len().is_multiple_of(align) {
                out.push(0);
            }
        }
        offsets[i] = out.len() as u64;
        out.extend_from_slice(&s.data);
    }
    while !out.len().is_multiple_of(8) {
        out.push(0);
    }
    let shoff = out.len() as u64;
    for (i, s) in sections.iter().enumerate() {
        out.extend_from_slice(&name_at[i].to_le_bytes());
        out.extend_from_slice(&s.kind.to_le_bytes());
        out.extend_from_slice(&s.flags.to_le_bytes());
        out.extend_from_slice(&s.addr.to_le_bytes());
        out.extend_from_slice(&offsets[i].to_le_bytes());
        out.extend_from_slice(&s.size.to_le_bytes());
        out.extend_from_slice(&s.link.to_le_bytes());
        out.extend_from_slice(&s.info.to_le_bytes());
        out.extend_from_slice(&s.align.to_le_bytes());
        out.extend_from_slice(&s.entsize.to_le_bytes());
    }
    let shnum = u16::try_from(sections.len()).map_err(|_| "too many sections for one file")?;
    // An executable cubin's listing comes from its segments; a relocatable
    // one's from its sections, which is what a merged file has.
    out[..16].copy_from_slice(&first.ident);
    out[16..18].copy_from_slice(&ET_REL.to_le_bytes());
    out[18..20].copy_from_slice(&first.machine.to_le_bytes());
    out[20..24].copy_from_slice(&first.version.to_le_bytes());
    // e_entry and e_phoff stay 0.
    out[40..48].copy_from_slice(&shoff.to_le_bytes());
    out[48..52].copy_from_slice(&first.flags.to_le_bytes());
    out[52..54].copy_from_slice(&(EHDR_SIZE as u16).to_le_bytes());
    // e_phentsize, e_phnum stay 0.
    out[58..60].copy_from_slice(&(SHDR_SIZE as u16).to_le_bytes());
    out[60..62].copy_from_slice(&shnum.to_le_bytes());
    out[62..64].copy_from_slice(&(MERGED_SHSTRTAB as u16).to_le_bytes());
    Ok(out)
}

/// Cuts nvdisasm's `--print-code` listing of a merged file into one listing
/// per cubin: the module header, then that cubin's code sections. `parts`
/// holds each cubin's [`Cubin::code_sections`], in merge order. An error if
/// the listing's sections are not exactly those, in that order.
pub fn split_listing(listing: &str, parts: &[Vec<String>]) -> Result<Vec<String>, String> {
    // Each code section starts with `//----- .text.name -----` (a ruler).
    let mut starts = Vec::new();
    let mut at = 0;
    for line in listing.split_inclusive('\n') {
        if let Some(rest) = line.strip_prefix("//") {
            let rest = rest.trim_matches(|c: char| c == '-' || c.is_whitespace());
            if let Some(name) = rest.strip_prefix(".text.") {
                starts.push((at, name.trim().to_string()));
            }
        }
        at += line.len();
    }
    let expected: Vec<&String> = parts.iter().flatten().collect();
    let found: Vec<&String> = starts.iter().map(|(_, n)| n).collect();
    if found != expected {
        return Err(format!(
            "the merged listing has code sections {found:?}, not {expected:?}"
        ));
    }
    let header = &listing[..starts.first().map_or(listing.len(), |s| s.0)];
    let mut out = Vec::with_capacity(parts.len());
    let mut k = 0;
    for part in parts {
        let mut text = header.to_string();
        if !part.is_empty() {
            let from = starts[k].0;
            k += part.len();
            let to = starts.get(k).map_or(listing.len(), |s| s.0);
            text.push_str(&listing[from..to]);
        }
        out.push(text);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LISTING: &str = "\t.target\tsm_80\n\n\t.elftype\t@\"ET_REL\"\n\n\n\
//--------------------- .text.a                   --------------------------\n\
\t.section\t.text.a,\"ax\",@progbits\n        /*0000*/                   EXIT ;\n\n\
//--------------------- .text.b                   --------------------------\n\
\t.section\t.text.b,\"ax\",@progbits\n        /*0000*/                   RET ;\n\n\
//--------------------- .text.c                   --------------------------\n\
\t.section\t.text.c,\"ax\",@progbits\n        /*0000*/                   BRA ;\n";

    #[test]
    fn a_merged_listing_splits_into_each_cubins_sections_after_the_header() {
        let parts = vec![
            vec!["a".to_string(), "b".to_string()],
            vec![],
            vec!["c".to_string()],
        ];
        let texts = split_listing(LISTING, &parts).unwrap();
        assert_eq!(texts.len(), 3);
        let header = "\t.target\tsm_80\n\n\t.elftype\t@\"ET_REL\"\n\n\n";
        assert!(texts.iter().all(|t| t.starts_with(header)));
        assert!(texts[0].contains(".text.a") && texts[0].contains(".text.b"));
        assert!(texts[0].contains("RET ;") && !texts[0].contains(".text.c"));
        assert_eq!(texts[1], header);
        assert!(texts[2].contains("BRA ;") && !texts[2].contains("EXIT"));
    }

    #[test]
    fn a_listing_with_other_sections_than_the_merge_is_an_error() {
        let swapped = vec![
            vec!["b".to_string(), "a".to_string()],
            vec!["c".to_string()],
        ];
        assert!(split_listing(LISTING, &swapped).is_err());
        let fewer = vec![vec!["a".to_string(), "b".to_string()]];
        assert!(split_listing(LISTING, &fewer).is_err());
    }

    #[test]
    fn only_cuda_elf_files_parse() {
        assert!(Cubin::parse(b"").is_err());
        assert!(Cubin::parse(b"#!/bin/sh\necho not an ELF file\n").is_err());
        let mut elf = vec![0u8; 64];
        elf[..6].copy_from_slice(b"\x7fELF\x02\x01");
        elf[18..20].copy_from_slice(&62u16.to_le_bytes()); // x86-64
        assert!(Cubin::parse(&elf).unwrap_err().contains("EM_CUDA"));
    }

    #[test]
    fn only_known_sections_and_attributes_are_merged() {
        let section = |name: &[u8], kind: u32, flags: u64| Section {
            name: name.to_vec(),
            kind,
            flags,
            addr: 0,
            link: 0,
            info: 0,
            align: 0,
            entsize: 0,
            data: Vec::new(),
            size: 0,
        };
        assert!(known(&section(b".text.k", 1, 6)));
        assert!(known(&section(b".nv.constant0.k", 1, 0x42)));
        assert!(known(&section(b".nv.constant4", 1, 2)));
        assert!(known(&section(b".nv.info.k", SHT_CUDA_INFO, SHF_INFO_LINK)));
        assert!(known(&section(b".nv.shared.reserved.0", SHT_NOBITS, 3)));
        assert!(!known(&section(b".nv.constantx", 1, 0)));
        assert!(!known(&section(b".nv.uft.entry", 1, 0)));
        assert!(!known(&section(b".nv.global.init", 1, 3)));
        assert!(dropped(b".nv.info") && dropped(b".nv.merc.symtab") && !dropped(b".nv.info.k"));
        // EIATTR_PARAM_CBANK (renumbered) and EXIT_INSTR_OFFSETS are known;
        // an attribute 0x7f is not.
        let cbank = [4u8, 0x0a, 8, 0, 5, 0, 0, 0, 0x60, 1, 0x10, 0];
        assert!(check_attributes(&cbank, b".nv.info.k").is_ok());
        assert!(check_attributes(&[4, 0x7f, 0, 0], b".nv.info.k").is_err());
        let mut data = cbank;
        renumber_attributes(&mut data, &|old| old + 10);
        assert_eq!(u32::from_le_bytes(data[4..8].try_into().unwrap()), 15);
        assert_eq!(data[8..], cbank[8..]);
    }
}
