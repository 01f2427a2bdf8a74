/**
 * @x86kit/devices — PC platform devices, each usable alone: PIC, PIT, UART, RTC/CMOS, i8042,
 * PCI host, Local APIC, IOAPIC, ACPI PM timer and the QEMU/Bochs compatibility devices.
 */
export {
  type AccessSize, type DeviceObserver, NO_OBSERVER, allOnes, ByteBuffer, ChunkedSink, IrqSplitter, toBcd, fromBcd,
  type ByteRegisters, splitRead, splitWrite,
} from './common.js';
export {
  PicPair, Pic8259, type PicPairOptions, type PicPairSnapshot, type Pic8259State, PIC_COUNTERS, type PicCounter,
} from './pic.js';
export {
  Pit8254, PitChannel, type Pit8254Options, type PitSnapshot, type PitChannelState, PIT_COUNTERS, type PitCounter,
  PIT_FREQUENCY_HZ,
} from './pit.js';
export {
  Uart16550, type Uart16550Options, type UartSnapshot, UartIer, UartIir, UartLsr, UartMcr, UartMsr, UART_COUNTERS,
  type UartCounter, UART_CLOCK_HZ,
} from './uart.js';
export {
  Rtc146818, type Rtc146818Options, type RtcSnapshot, RtcReg, RtcB, RtcC, RTC_COUNTERS, type RtcCounter,
} from './rtc.js';
export { Ps2Keyboard, type Ps2KeyboardState, Key, type KeyCodes, SET2_TO_SET1, Ps2Reply } from './ps2-keyboard.js';
export { I8042, type I8042Options, type I8042Snapshot, I8042Status, I8042Ccb, I8042Out, I8042_COUNTERS, type I8042Counter } from './i8042.js';
export {
  SystemControlPortA, type SystemControlPortAOptions, PostCodePort, IsaDebugExit, DebugCon,
} from './misc.js';
export {
  PciHost, type PciHostOptions, PciDevice, type PciDeviceOptions, type PciFunction, type PciBarSpec, PciCfg, PciCommand,
  createI440fxHostBridge, createPiix3IsaBridge, piixPirqRoute,
} from './pci.js';
export { PcTestDev, type PcTestDevOptions, PciTestDev } from './testdev.js';
export {
  LocalApic, type LocalApicOptions, type LocalApicSnapshot, ApicBus, IpiMessage, ApicReg, ApicDelivery, ApicLvt,
  ApicTimerMode, ApicEsr, ApicBaseMsr, LAPIC_COUNTERS, type LapicCounter,
} from './lapic.js';
export {
  IoApic, type IoApicOptions, type IoApicSnapshot, type ApicDeliver, IoApicRte, IOAPIC_COUNTERS, type IoApicCounter,
} from './ioapic.js';
export { AcpiPmTimer, type AcpiPmTimerOptions, PM_TIMER_HZ } from './pm-timer.js';
export { FwCfg, type FwCfgOptions, FwCfgKey } from './fw-cfg.js';
