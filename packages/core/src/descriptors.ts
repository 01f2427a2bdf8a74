/**
 * Segment selectors, segment and gate descriptors, and the privilege rules that govern loading
 * them (Intel SDM Vol. 3A ch. 3.4–3.5 and ch. 5; AMD APM Vol. 2 ch. 4).
 *
 * A descriptor is handled as its two little-endian dwords `lo` (bytes 0–3) and `hi` (bytes 4–7),
 * so hot paths never allocate. Segment attributes are packed in the 12-bit format of the AMD
 * VMCB segment `attrib` field: type[3:0] S[4] DPL[6:5] P[7] AVL[8] L[9] D/B[10] G[11].
 */

/** Packed segment-attribute bits (AMD APM Vol. 2, 15.5.1 "VMCB segment attributes"). */
export const SegAttr = {
  TYPE_MASK: 0xf, ACCESSED: 0x1, WRITABLE: 0x2, READABLE: 0x2, EXPAND_DOWN: 0x4, CONFORMING: 0x4,
  CODE: 0x8, S: 1 << 4, DPL_SHIFT: 5, DPL_MASK: 3 << 5, P: 1 << 7, AVL: 1 << 8, L: 1 << 9, DB: 1 << 10, G: 1 << 11,
} as const;

/** System-descriptor types (S = 0) in legacy/compatibility mode (Intel SDM Vol. 3A table 3-2). */
export const SysDescType = {
  TSS16_AVAIL: 0x1, LDT: 0x2, TSS16_BUSY: 0x3, CALL_GATE16: 0x4, TASK_GATE: 0x5,
  INT_GATE16: 0x6, TRAP_GATE16: 0x7, TSS32_AVAIL: 0x9, TSS32_BUSY: 0xb, CALL_GATE32: 0xc,
  INT_GATE32: 0xe, TRAP_GATE32: 0xf,
} as const;
export type SysDescType = (typeof SysDescType)[keyof typeof SysDescType];

// ---- selectors ----------------------------------------------------------------------------

/** Descriptor-table index of a selector (bits 15:3). */
export function selectorIndex(sel: number): number { return (sel >>> 3) & 0x1fff; }
/** Table indicator: true when the selector refers to the LDT. */
export function selectorTi(sel: number): boolean { return (sel & 4) !== 0; }
/** Requested privilege level (bits 1:0). */
export function selectorRpl(sel: number): number { return sel & 3; }
/** Whether the selector is a null selector (index 0 in the GDT, any RPL). */
export function isNullSelector(sel: number): boolean { return (sel & 0xfffc) === 0; }
/** Build a selector from index, table indicator and RPL. */
export function makeSelector(index: number, ti: boolean, rpl: number): number {
  return ((index & 0x1fff) << 3) | (ti ? 4 : 0) | (rpl & 3);
}

// ---- segment descriptors --------------------------------------------------------------------

/** Segment base from a descriptor (bits 15:0 of lo's high half, hi[7:0], hi[31:24]); uint32. */
export function descBase(lo: number, hi: number): number {
  return ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) >>> 0;
}
/** Raw 20-bit limit field. */
export function descRawLimit(lo: number, hi: number): number {
  return (lo & 0xffff) | (hi & 0xf0000);
}
/** Effective byte-granular limit: scaled by 4 KiB with the low 12 bits set when G = 1; uint32. */
export function descLimit(lo: number, hi: number): number {
  const raw = descRawLimit(lo, hi);
  return (hi & (1 << 23)) !== 0 ? ((raw << 12) | 0xfff) >>> 0 : raw;
}
/** Packed 12-bit attributes ({@link SegAttr}) from a descriptor's high dword. */
export function descAttr(hi: number): number {
  return ((hi >>> 8) & 0xff) | ((hi >>> 12) & 0xf00);
}
/** The high dword bits 8–23 of a descriptor, as returned by LAR (masked with 0x00fxff00). */
export function attrToLarBits(attr: number): number {
  return (((attr & 0xff) << 8) | ((attr & 0xf00) << 12)) >>> 0;
}
/** DPL field of packed attributes. */
export function attrDpl(attr: number): number { return (attr >>> 5) & 3; }
/** Whether packed attributes describe a code or data segment (S = 1). */
export function attrIsCodeOrData(attr: number): boolean { return (attr & SegAttr.S) !== 0; }
/** Whether packed attributes describe a code segment. */
export function attrIsCode(attr: number): boolean { return (attr & (SegAttr.S | SegAttr.CODE)) === (SegAttr.S | SegAttr.CODE); }
/** Whether a code segment is conforming. */
export function attrIsConforming(attr: number): boolean { return attrIsCode(attr) && (attr & SegAttr.CONFORMING) !== 0; }
/** Whether the segment may be read: any data segment, or code with R = 1. */
export function attrIsReadable(attr: number): boolean {
  return (attr & SegAttr.S) !== 0 && ((attr & SegAttr.CODE) === 0 || (attr & SegAttr.READABLE) !== 0);
}
/** Whether the segment may be written: data with W = 1 (code is never writable). */
export function attrIsWritable(attr: number): boolean {
  return (attr & (SegAttr.S | SegAttr.CODE | SegAttr.WRITABLE)) === (SegAttr.S | SegAttr.WRITABLE);
}
/** Whether the segment is an expand-down data segment. */
export function attrIsExpandDown(attr: number): boolean {
  return (attr & (SegAttr.S | SegAttr.CODE | SegAttr.EXPAND_DOWN)) === (SegAttr.S | SegAttr.EXPAND_DOWN);
}

/**
 * Whether `[offset, offset + size - 1]` lies within a segment's limit (Intel SDM Vol. 3A, 5.3).
 * Expand-down segments allow `limit+1 .. 0xffff` (B = 0) or `.. 0xffffffff` (B = 1).
 */
export function withinLimit(offset: number, size: number, limit: number, attr: number): boolean {
  const first = offset >>> 0;
  const last = first + size - 1;
  if (attrIsExpandDown(attr)) {
    const upper = (attr & SegAttr.DB) !== 0 ? 0xffffffff : 0xffff;
    return first > limit >>> 0 && last <= upper;
  }
  return last <= limit >>> 0;
}

/** A decoded segment or system descriptor, for tools and tests (hot paths use the functions). */
export interface SegmentDescriptor {
  /** Linear base address (uint32). */
  base: number;
  /** Raw 20-bit limit field. */
  limit: number;
  /** Type field (4 bits). */
  type: number;
  /** S: 1 for code/data, 0 for system. */
  s: boolean;
  dpl: number;
  present: boolean;
  avl: boolean;
  /** L: 64-bit code segment. */
  l: boolean;
  /** D/B: default operation size / big. */
  db: boolean;
  /** G: limit in 4 KiB units. */
  g: boolean;
}

/** Decode a code/data/system segment descriptor. */
export function decodeDescriptor(lo: number, hi: number): SegmentDescriptor {
  const attr = descAttr(hi);
  return {
    base: descBase(lo, hi),
    limit: descRawLimit(lo, hi),
    type: attr & 0xf,
    s: (attr & SegAttr.S) !== 0,
    dpl: attrDpl(attr),
    present: (attr & SegAttr.P) !== 0,
    avl: (attr & SegAttr.AVL) !== 0,
    l: (attr & SegAttr.L) !== 0,
    db: (attr & SegAttr.DB) !== 0,
    g: (attr & SegAttr.G) !== 0,
  };
}

/** Encode a segment descriptor into its two dwords `[lo, hi]` (both as int32). */
export function encodeDescriptor(d: SegmentDescriptor): [number, number] {
  const base = d.base >>> 0;
  const limit = d.limit & 0xfffff;
  const lo = ((base & 0xffff) << 16) | (limit & 0xffff);
  const attr = (d.type & 0xf) | (d.s ? SegAttr.S : 0) | ((d.dpl & 3) << 5) | (d.present ? SegAttr.P : 0) |
    (d.avl ? SegAttr.AVL : 0) | (d.l ? SegAttr.L : 0) | (d.db ? SegAttr.DB : 0) | (d.g ? SegAttr.G : 0);
  const hi = ((base >>> 16) & 0xff) | ((attr & 0xff) << 8) | (limit & 0xf0000) | ((attr & 0xf00) << 12) | (base & 0xff000000);
  return [lo | 0, hi | 0];
}

// ---- gates ---------------------------------------------------------------------------------

/** A decoded call, interrupt, trap or task gate (legacy 8-byte format). */
export interface GateDescriptor {
  selector: number;
  /** Entry offset (uint32; 16-bit gates use only the low 16 bits). Unused for task gates. */
  offset: number;
  type: number;
  dpl: number;
  present: boolean;
  /** Dword/word count copied by a call gate (bits 4:0 of byte 4). */
  paramCount: number;
}

/** Gate target selector. */
export function gateSelector(lo: number): number { return lo >>> 16; }
/** Gate target offset: lo[15:0] | hi[31:16]. */
export function gateOffset(lo: number, hi: number): number { return ((lo & 0xffff) | (hi & 0xffff0000)) >>> 0; }

/** Decode a gate descriptor. */
export function decodeGate(lo: number, hi: number): GateDescriptor {
  return {
    selector: gateSelector(lo),
    offset: gateOffset(lo, hi),
    type: (hi >>> 8) & 0xf,
    dpl: (hi >>> 13) & 3,
    present: (hi & 0x8000) !== 0,
    paramCount: hi & 0x1f,
  };
}

/** Encode a gate descriptor into `[lo, hi]`. */
export function encodeGate(g: GateDescriptor): [number, number] {
  const lo = ((g.selector & 0xffff) << 16) | (g.offset & 0xffff);
  const hi = (g.offset & 0xffff0000) | (g.present ? 0x8000 : 0) | ((g.dpl & 3) << 13) | ((g.type & 0xf) << 8) | (g.paramCount & 0x1f);
  return [lo | 0, hi | 0];
}

// ---- privilege rules (Intel SDM Vol. 3A ch. 5.5–5.9) -----------------------------------------

/**
 * MOV/POP into DS, ES, FS, GS: the segment must be data or readable code; unless it is
 * conforming code, both CPL and RPL must be numerically ≤ DPL (5.6).
 */
export function canLoadDataSegment(cpl: number, rpl: number, attr: number): boolean {
  if (!attrIsReadable(attr)) return false;
  if (attrIsConforming(attr)) return true;
  return Math.max(cpl, rpl) <= attrDpl(attr);
}

/** MOV/POP/LSS into SS: a writable data segment with RPL = CPL and DPL = CPL (5.7). */
export function canLoadStackSegment(cpl: number, rpl: number, attr: number): boolean {
  return attrIsWritable(attr) && rpl === cpl && attrDpl(attr) === cpl;
}

/**
 * Direct far JMP/CALL to a code segment (5.8.1): nonconforming needs RPL ≤ CPL and DPL = CPL;
 * conforming needs DPL ≤ CPL (RPL ignored). CPL does not change.
 */
export function canTransferToCode(cpl: number, rpl: number, attr: number): boolean {
  if (!attrIsCode(attr)) return false;
  if (attrIsConforming(attr)) return attrDpl(attr) <= cpl;
  return rpl <= cpl && attrDpl(attr) === cpl;
}

/** A call gate may be used when max(CPL, RPL) ≤ gate DPL (5.8.4). */
export function canUseCallGate(cpl: number, rpl: number, gateDpl: number): boolean {
  return Math.max(cpl, rpl) <= gateDpl;
}

/**
 * Target code segment check through a call gate (5.8.4): CALL may go to DPL ≤ CPL (more
 * privileged, nonconforming switches stacks); JMP needs DPL = CPL for nonconforming targets.
 */
export function canEnterThroughCallGate(cpl: number, targetAttr: number, isJmp: boolean): boolean {
  if (!attrIsCode(targetAttr)) return false;
  const dpl = attrDpl(targetAttr);
  if (attrIsConforming(targetAttr) || !isJmp) return dpl <= cpl;
  return dpl === cpl;
}

/** Software INT n/INT3/INTO through an IDT gate needs CPL ≤ gate DPL (6.12.1.1). */
export function canUseSoftwareInterruptGate(cpl: number, gateDpl: number): boolean {
  return cpl <= gateDpl;
}

/** IN/OUT/INS/OUTS/CLI/STI are allowed when CPL ≤ IOPL (Intel SDM Vol. 1, 18.5.1). */
export function ioPrivileged(cpl: number, iopl: number): boolean {
  return cpl <= iopl;
}

/** Return to an outer level (RET far / IRET): the return selector's RPL must be ≥ CPL. */
export function isReturnToOuterLevel(cpl: number, rpl: number): boolean {
  return rpl > cpl;
}
