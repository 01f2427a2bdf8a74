import { sliceTest } from './slice.js';

// All 325,000 SingleStepTests 80286 tests through the interpreter.
sliceTest('singlestep-286');
