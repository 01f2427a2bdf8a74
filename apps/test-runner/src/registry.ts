/** The suite registry: every suite the runner knows, by name. */
import { OptionError } from '@x86kit/core';
import type { Suite } from './suite.js';
import { lockstepSuite } from './suites/lockstep.js';
import { singleStep286Suite } from './suites/singlestep.js';
import { guestsSuite } from './suites/guests.js';
import { decoderSuite } from './suites/decoder.js';
import { siliconSuite } from './suites/silicon.js';

const SUITES: Suite[] = [decoderSuite, singleStep286Suite, siliconSuite, guestsSuite, lockstepSuite];

/** Every registered suite, in the order `all` runs them. */
export function listSuites(): readonly Suite[] {
  return SUITES;
}

/** A suite by name. @throws OptionError `OPTION_INVALID` for an unknown name. */
export function getSuite(name: string): Suite {
  const s = SUITES.find((x) => x.name === name);
  if (s === undefined) {
    throw new OptionError('OPTION_INVALID', `unknown suite '${name}' (known: ${SUITES.map((x) => x.name).join(', ')})`);
  }
  return s;
}

/**
 * Add a suite (tests, out-of-tree plug-ins). Registered suites run in-process only: worker
 * threads know the built-in suites.
 */
export function registerSuite(s: Suite): void {
  const i = SUITES.findIndex((x) => x.name === s.name);
  if (i >= 0) SUITES[i] = s;
  else SUITES.push(s);
}
