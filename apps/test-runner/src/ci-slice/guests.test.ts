import { sliceTest } from './slice.js';

// Every guest in guests/guests.json on @x86kit/machine with the interpreter.
sliceTest('guests');
