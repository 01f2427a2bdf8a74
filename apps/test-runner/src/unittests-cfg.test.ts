import { describe, expect, test } from 'vitest';
import { GuestImageError } from '@x86kit/core';
import { parseTimeout, parseUnitTestsCfg, splitShellWords, statusFromDebugExit } from './unittests-cfg.js';

const SAMPLE = `# Sample in the kvm-unit-tests x86/unittests.cfg style
##############################################################################
[apic-split]
file = apic.flat
smp = 2
extra_params = -cpu qemu64,+x2apic,+tsc-deadline -machine kernel_irqchip=split
arch = x86_64
groups = apic
timeout = 30

[smptest]
file = smptest.flat
smp = 2

[msr]
# a comment inside a section
file = msr.flat
extra_params = -cpu max,vendor=GenuineIntel -append 'report "both" cases'
groups = msr  smoke
timeout = 2m
check = /sys/module/kvm_intel/parameters/nested=Y
`;

describe('unittests.cfg parser', () => {
  test('parses sections, keys, groups, timeouts and -append', () => {
    const e = parseUnitTestsCfg(SAMPLE, 'unittests.cfg');
    expect(e.map((x) => x.name)).toEqual(['apic-split', 'smptest', 'msr']);
    expect(e[0]).toMatchObject({ file: 'apic.flat', smp: 2, arch: 'x86_64', groups: ['apic'], timeoutSec: 30, line: 3 });
    expect(e[0].extraParams).toEqual(['-cpu', 'qemu64,+x2apic,+tsc-deadline', '-machine', 'kernel_irqchip=split']);
    expect(e[1]).toMatchObject({ arch: null, groups: [], timeoutSec: 90, smp: 2, append: '' });
    expect(e[2].append).toBe('report "both" cases');
    expect(e[2].groups).toEqual(['msr', 'smoke']);
    expect(e[2].timeoutSec).toBe(120);
    expect(e[2].raw.check).toBe('/sys/module/kvm_intel/parameters/nested=Y');
  });

  test('errors name the file and line', () => {
    const bad = (text: string): string => {
      try {
        parseUnitTestsCfg(text, 'x86/unittests.cfg');
      } catch (e) {
        expect(e).toBeInstanceOf(GuestImageError);
        expect((e as GuestImageError).code).toBe('TEST_FILE_CORRUPT');
        return (e as Error).message;
      }
      throw new Error('expected an error');
    };
    expect(bad('file = a.flat\n')).toBe("x86/unittests.cfg:1: key 'file' outside a [test] section");
    expect(bad('[a]\nsmp = 1\n')).toBe('x86/unittests.cfg:1: test [a] has no file=');
    expect(bad('[a]\nfile=a\n[a]\nfile=b\n')).toBe('x86/unittests.cfg:3: duplicate test [a]');
    expect(bad('[a]\nfile=a\ngarbage line\n')).toMatch(/^x86\/unittests.cfg:3: expected \[name\]/);
    expect(bad('[a]\nfile=a\ntimeout=soon\n')).toBe("x86/unittests.cfg:1: test [a]: bad timeout 'soon'");
    expect(bad("[a]\nfile=a\nextra_params=-append 'x\n")).toMatch(/unterminated single quote/);
  });

  test('shell words, timeouts and debug-exit statuses', () => {
    expect(splitShellWords(`-a 'b c' "d \\"e\\"" f\\ g`)).toEqual(['-a', 'b c', 'd "e"', 'f g']);
    expect(splitShellWords('  ')).toEqual([]);
    expect(splitShellWords("''")).toEqual(['']);
    expect(parseTimeout('1h')).toBe(3600);
    expect(parseTimeout('1.5m')).toBe(90);
    expect(parseTimeout('x')).toBeNaN();
    expect([0, 1, 77].map(statusFromDebugExit)).toEqual(['pass', 'fail', 'skip']);
  });
});
