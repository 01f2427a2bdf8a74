import { sliceTest } from './slice.js';

// Every iced decoder vector line.
sliceTest('decoder');
