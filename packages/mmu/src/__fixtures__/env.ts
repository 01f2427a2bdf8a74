/** `X86KIT_FULL=1` enables the long property sweeps (read without depending on @types/node). */
export const FULL = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env.X86KIT_FULL === '1';
