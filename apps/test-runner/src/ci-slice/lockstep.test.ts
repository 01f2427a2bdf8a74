import { sliceTest } from './slice.js';

// Driver self-tests, and the interpreter against the toy engine (no QEMU needed).
sliceTest('lockstep', { options: { engines: 'interpreter,toy' } });
