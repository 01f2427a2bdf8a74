/**
 * Host-side errors with stable codes. These are for bad input and API misuse at the edges
 * (a corrupt image, an impossible option); they are never used for guest architectural
 * exceptions, which are values (see {@link Exc}) delivered through the guest's IDT.
 */

/** Base class of every error x86kit throws on purpose. `code` is stable API. */
export class X86KitError extends Error {
  override readonly name: string = 'X86KitError';
  readonly code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
  /** One line for a CLI: `CODE: message`. */
  toLine(): string {
    return `${this.code}: ${this.message}`;
  }
}

/** A guest image (kernel, ROM, disk, test file) that cannot be used. */
export class GuestImageError extends X86KitError {
  override readonly name = 'GuestImageError';
  declare readonly code:
    | 'IMAGE_NOT_FOUND' | 'IMAGE_TRUNCATED' | 'IMAGE_UNKNOWN_FORMAT' | 'IMAGE_TOO_LARGE'
    | 'ELF_BAD_MAGIC' | 'ELF_UNSUPPORTED' | 'ELF_SEGMENT_OUT_OF_RAM'
    | 'MULTIBOOT_BAD_HEADER' | 'BZIMAGE_BAD_HEADER' | 'TEST_FILE_CORRUPT';
  constructor(code: GuestImageError['code'], message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}

/** A bad command-line flag or configuration value. */
export class OptionError extends X86KitError {
  override readonly name = 'OptionError';
  declare readonly code: 'OPTION_UNKNOWN' | 'OPTION_INVALID' | 'OPTION_MISSING' | 'OPTION_CONFLICT';
  constructor(code: OptionError['code'], message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}

/** Misuse of an x86kit API by the embedding program (overlapping regions, bad sizes...). */
export class ApiMisuseError extends X86KitError {
  override readonly name = 'ApiMisuseError';
  declare readonly code: 'API_RANGE' | 'API_OVERLAP' | 'API_STATE' | 'API_ARGUMENT';
  constructor(code: ApiMisuseError['code'], message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}

/** Process exit codes used by the x86kit apps (QEMU-compatible where it matters). */
export const ExitCode = { OK: 0, FAILURE: 1, USAGE: 2, GUEST_TRIPLE_FAULT: 3, TIMEOUT: 124 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
