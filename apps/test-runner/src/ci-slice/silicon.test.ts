import { sliceTest } from './slice.js';

// The whole real-silicon corpus (64-bit and x87/SIMD forms are skipped by the adapter).
sliceTest('silicon');
