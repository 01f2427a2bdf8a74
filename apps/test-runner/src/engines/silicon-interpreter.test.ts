import { describe, expect, test } from 'vitest';
import { parseSiliconTestLine } from '@x86kit/test-utils';
import { SiliconInterpreterRunner } from './silicon-interpreter.js';

// Two tests of the committed corpus (m32/int.jsonl.gz, form "add Eb,Gb"), inline so the
// adapter's environment (paging, CPL 3, intercepted exceptions, RF in fault images) is
// checked even when the corpus is being regenerated.
const ADD_REG = '{"id":"add Eb,Gb","n":1,"m":32,"code":"00c4","ip":"10000800","regs":["0c020502","2653107a","e3505cfd","00002000","20000928","00000001","00000034","00000004"],"fl":"000002c2","pages":[["10000000","rx"],["20000000","rw"],["20001000","rw"]],"mem":[],"out":{"regs":["0c020702","2653107a","e3505cfd","00002000","20000928","00000001","00000034","00000004"],"fl":"00000202","ip":"10000802","mem":[]}}';
const ADD_MEM = '{"id":"add Eb,Gb","n":2,"m":32,"code":"0018","ip":"10000800","regs":["20000c70","b92fb680","3edd3403","fffffffc","20000ff6","c0d0fb3b","11668000","381209c4"],"fl":"00000a53","pages":[["10000000","rx"],["20000000","rw"],["20001000","r"]],"mem":[["20000c68","3f00000000000000ffffffffffffffff7d00000000000000"]],"out":{"regs":["20000c70","b92fb680","3edd3403","fffffffc","20000ff6","c0d0fb3b","11668000","381209c4"],"fl":"00000293","ip":"10000802","mem":[["20000c70","fb"]]}}';
// lock add [edi+0x7f],bl with EDI+0x7f = 0x1ffffffd: #PF (user write, not present), RF in the image.
const ADD_PF = '{"id":"add Eb,Gb","n":0,"m":32,"code":"f0005f7f","ip":"10000800","regs":["029b0780","0000007f","89090e81","00000080","20000000","ffe89d0f","fffff038","1fffff7e"],"fl":"00000257","pages":[["10000000","rx"],["20000000","rw"],["20001000","rw"]],"mem":[["20000000","0000000000000080ffffffffff"]],"out":{"regs":["029b0780","0000007f","89090e81","00000080","20000000","ffe89d0f","fffff038","1fffff7e"],"fl":"00010257","ip":"10000800","mem":[]},"exc":{"v":14,"err":6,"cr2":"1ffffffd"}}';

describe('silicon corpus adapter for the interpreter', () => {
  const r = new SiliconInterpreterRunner();

  test('register and memory forms match the silicon', () => {
    expect(r.run(parseSiliconTestLine(ADD_REG))).toBe('');
    expect(r.run(parseSiliconTestLine(ADD_MEM))).toBe('');
  });

  test('a #PF is compared by vector, error code, CR2 and the RF-carrying flags image', () => {
    expect(r.run(parseSiliconTestLine(ADD_PF))).toBe('');
    // The same test with a different expected error code must be reported.
    const wrong = parseSiliconTestLine(ADD_PF.replace('"err":6', '"err":7'));
    expect(r.run(wrong)).toBe('error code 0x6 want 0x7');
  });

  test('differences name the register, flags and memory', () => {
    const t = parseSiliconTestLine(ADD_MEM.replace('"fb"', '"fc"').replace('"00000293"', '"00000292"'));
    expect(r.run(t)).toBe('rflags 0x291 want 0x290 (mask 0x254fd5), mem[0x20000c70] 0xfb want 0xfc');
  });
});
