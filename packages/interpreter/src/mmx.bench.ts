/**
 * MMX speed: a real-mode loop of six MMX instructions (PADDW, PMULLW, MOVQ load, PXOR, PSRLQ
 * imm, MOVQ store) plus DEC/JNZ, against two anchors measured in the same run: the same loop
 * shape with integer instructions (ADD, IMUL, MOV load, XOR, SHR, MOV store, DEC, JNZ), and
 * the same six MMX operations computed directly with `mmxBinary` (the semantic core without
 * decode, dispatch, operand fetch or the x87 aliasing).
 */
import { BenchSuite } from '@x86kit/bench';
import { PhysicalMemoryBus, Seg } from '@x86kit/core';
import { Cpu, RunStatus, mmxBinary } from './index.js';

const MMX_LOOP = [
  0x0f, 0xfd, 0xc1, // paddw mm0, mm1
  0x0f, 0xd5, 0xd3, // pmullw mm2, mm3
  0x0f, 0x6f, 0x24, // movq mm4, [si]
  0x0f, 0xef, 0xec, // pxor mm5, mm4
  0x0f, 0x73, 0xd0, 0x01, // psrlq mm0, 1
  0x0f, 0x7f, 0x2c, // movq [si], mm5
  0x49, 0x75, 0xea, // dec cx; jnz loop
  0xf4,
];
const INT_LOOP = [
  0x01, 0xd8, // add ax, bx
  0x0f, 0xaf, 0xd3, // imul dx, bx
  0x8b, 0x3c, // mov di, [si]
  0x31, 0xfd, // xor bp, di
  0xd1, 0xe8, // shr ax, 1
  0x89, 0x2c, // mov [si], bp
  0x49, 0x75, 0xf0, // dec cx; jnz loop
  0xf4,
];

const ITER = 50_000; // CX is 16-bit
function machine(code: number[]): Cpu {
  const bus = new PhysicalMemoryBus();
  bus.mapRam(0, 1 << 20);
  bus.load(0x7c00, Uint8Array.from(code));
  const cpu = new Cpu({ memory: bus });
  for (const s of [Seg.CS, Seg.DS, Seg.ES, Seg.SS]) cpu.loadSegReal(s, 0);
  cpu.setReg(2, 6, 0x1000); // SI
  return cpu;
}
function loop(cpu: Cpu): () => void {
  return () => {
    cpu.state.halted = false;
    cpu.eip = 0x7c00;
    cpu.setReg(2, 1, ITER);
    const before = cpu.instret;
    const st = cpu.run(ITER * 8 + 2); // one spare: the loop ends on HLT either way
    if ((st !== RunStatus.Halted && !cpu.state.halted) || cpu.instret - before !== ITER * 8 + 1) throw new Error('bench loop did not complete');
  };
}

const suite = new BenchSuite('interpreter-mmx');
const work = (ITER * 8 + 1) / 1e6;
const v = new Int32Array(4);
let sink = 0;
suite.rate({ name: 'MMX loop (6 MMX + DEC/JNZ)', unit: 'MIPS', work, fn: loop(machine(MMX_LOOP)) },
  { name: 'same loop, integer instructions', unit: 'MIPS', work, fn: loop(machine(INT_LOOP)) });
suite.rate({ name: 'MMX loop (6 MMX + DEC/JNZ)', unit: 'MIPS', work, fn: loop(machine(MMX_LOOP)) }, {
  name: 'the six operations via mmxBinary', unit: 'M ops/s', work: (ITER * 6) / 1e6, fn: () => {
    for (let i = 0; i < ITER; i++) {
      v[0] = i; v[1] = i ^ 0x5555; v[2] = 3; v[3] = 7;
      mmxBinary(0xfd, v); mmxBinary(0xd5, v); mmxBinary(0xef, v); mmxBinary(0xeb, v);
      v[2] = 1; v[3] = 0; mmxBinary(0xd3, v); mmxBinary(0xfc, v);
    }
    sink += v[0];
  },
});
suite.finish();
if (sink === 0.5) console.log(sink);
