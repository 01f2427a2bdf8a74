/**
 * `@x86kit/test-runner` (private app, binary `x86kit-test`): one runner for every conformance
 * suite, guest suite and lockstep differential run. Exported for embedding and for the CI
 * slice test, which calls {@link runSuites} directly.
 */
export { runCli, createProgram, parseShard, type CliIo } from './program.js';
export {
  runSuites, runOneCase, type RunOptions, type RunReport, type SuiteReport, type CaseRecord, type ProgressEvent,
} from './runner.js';
export { CaseStatus, unavailableSuite, type Suite, type SuiteInstance, type SuiteContext, type CaseOutcome, type CheckCounts } from './suite.js';
export { listSuites, getSuite, registerSuite } from './registry.js';
export { formatSummary, closingLine, toJson, toJUnit, passPercent, Progress } from './report.js';
export { fnv1a32, inShard, mulberry32, type Shard } from './hash.js';
export { compileFilter } from './filter.js';
export { defaultDataDir, workspaceRoot } from './data-dir.js';
export {
  parseUnitTestsCfg, splitShellWords, parseTimeout, statusFromDebugExit, DEFAULT_TIMEOUT_SEC, type UnitTestEntry,
} from './unittests-cfg.js';
export { StateGroup, ALL_GROUPS, type Engine, type LockstepGuest } from './lockstep/engine.js';
export {
  runLockstep, formatLockstep, codeBitness, type LockstepOptions, type LockstepResult, type Divergence, type TraceEntry,
} from './lockstep/driver.js';
export { FaultInjectingEngine, type InjectedFault } from './lockstep/fault.js';
export { ToyEngine } from './lockstep/toy-engine.js';
export { QemuGdbEngine, findQemu, parseRegLayout, type QemuEngineOptions } from './lockstep/qemu-engine.js';
export { GdbRemote, GdbProtocolError, GdbPacketScanner, gdbChecksum, gdbFrame, gdbDecodePayload } from './lockstep/gdb-remote.js';
export { ENGINES, engineFactory, type EngineFactory } from './lockstep/engines.js';
export { PROGRAMS, FULL_PROGRAMS, PROGRAM_BASE, realModeStart } from './lockstep/programs.js';
export { hexBytes, noDisassembler, type Disassembler } from './lockstep/disasm.js';
export { decoderDisassembler, decoderUndefinedFlags } from './lockstep/decoder-disasm.js';
export { decoderSuite, ICED_FILES } from './suites/decoder.js';
export { checkDecoderVector, checkMemoryVector, vectorSkipReason } from './suites/decoder-check.js';
export { siliconSuite } from './suites/silicon.js';
export { SiliconInterpreterRunner, INTEGER_CATEGORIES } from './engines/silicon-interpreter.js';
export { InterpreterEngine, InterpreterStepEngine } from './engines/interpreter.js';
export { machineGuestRunner, qemuGuestRunner, v86GuestRunner, guestRunner, registerGuestRunner, type GuestRunner, type GuestRunRequest, type GuestRunResult } from './guest-runners.js';
export { stepEngineFactory, registerStepEngine, type StepEngineFactory } from './step-engines.js';
