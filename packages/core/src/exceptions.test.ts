import { describe, expect, test } from 'vitest';
import { Exc, EXC_NAMES, hasErrorCode, exceptionClass, ExcClass, combineExceptions, DeliveryOutcome, exceptionKind, ExcKind, selectorErrorCode, idtErrorCode } from './index.js';

describe('exceptions', () => {
  test('error-code vectors match Intel SDM table 6-1', () => {
    const withCode = [8, 10, 11, 12, 13, 14, 17, 21, 29, 30];
    for (let v = 0; v < 32; v++) expect(hasErrorCode(v), `vector ${v}`).toBe(withCode.includes(v));
  });

  test('names', () => {
    expect(EXC_NAMES[Exc.GP]).toBe('#GP');
    expect(EXC_NAMES[Exc.PF]).toBe('#PF');
    expect(EXC_NAMES[Exc.NMI]).toBe('NMI');
  });

  test('kinds', () => {
    expect(exceptionKind(Exc.BP)).toBe(ExcKind.Trap);
    expect(exceptionKind(Exc.DF)).toBe(ExcKind.Abort);
    expect(exceptionKind(Exc.GP)).toBe(ExcKind.Fault);
  });

  test('classes for #DF (table 6-4)', () => {
    for (const v of [Exc.DE, Exc.TS, Exc.NP, Exc.SS, Exc.GP]) expect(exceptionClass(v)).toBe(ExcClass.Contributory);
    expect(exceptionClass(Exc.PF)).toBe(ExcClass.PageFault);
    for (const v of [Exc.DB, Exc.NMI, Exc.BP, Exc.OF, Exc.BR, Exc.UD, Exc.NM, Exc.MF, Exc.AC, Exc.MC, Exc.XM]) {
      expect(exceptionClass(v)).toBe(ExcClass.Benign);
    }
  });

  test('combination rules (table 6-5)', () => {
    expect(combineExceptions(Exc.GP, Exc.NP)).toBe(DeliveryOutcome.DoubleFault);
    expect(combineExceptions(Exc.GP, Exc.PF)).toBe(DeliveryOutcome.Serial);
    expect(combineExceptions(Exc.PF, Exc.PF)).toBe(DeliveryOutcome.DoubleFault);
    expect(combineExceptions(Exc.PF, Exc.GP)).toBe(DeliveryOutcome.DoubleFault);
    expect(combineExceptions(Exc.PF, Exc.UD)).toBe(DeliveryOutcome.Serial);
    expect(combineExceptions(Exc.UD, Exc.GP)).toBe(DeliveryOutcome.Serial);
    expect(combineExceptions(Exc.DF, Exc.GP)).toBe(DeliveryOutcome.TripleFault);
    expect(combineExceptions(Exc.DF, Exc.UD)).toBe(DeliveryOutcome.TripleFault);
  });

  test('error code formats', () => {
    expect(selectorErrorCode(0x2b, false)).toBe(0x28);
    expect(selectorErrorCode(0x2f, true)).toBe(0x2d);
    expect(idtErrorCode(13, false)).toBe((13 << 3) | 2);
    expect(idtErrorCode(0x20, true)).toBe(0x103);
  });
});
