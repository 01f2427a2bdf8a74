/**
 * @x86kit/mmu — x86 paging: the guest page walker for every paging mode, a software TLB for
 * interpreters, shadow paging for software monitors and nested paging (AMD NPT, Intel EPT) for
 * hardware-assisted ones, all with event counters.
 */
export { PagingMode, Access, PagingContext, TWO32 } from './paging-context.js';
export { WalkStatus, PageFlags, type GpaTranslator, WalkResult, accessFault, PageWalker } from './walker.js';
export { TlbCounter, TLB_COUNTER_NAMES, TLB_INVALID, Tlb } from './tlb.js';
export { TranslateFault, MmuCounter, MMU_COUNTER_NAMES, type MmuOptions, Mmu } from './mmu.js';
export {
  NestedFormat, NestedFault, Ept, Eptp, EptQual, NpfInfoHi, NestedCounter, NESTED_COUNTER_NAMES,
  type NestedPagingOptions, NestedPaging,
} from './nested.js';
export {
  type GpaMap, OffsetGpaMap, GuestPhysicalView, ShadowOutcome, ShadowCounter, SHADOW_COUNTER_NAMES,
  type ShadowPagerOptions, ShadowPager,
} from './shadow.js';
