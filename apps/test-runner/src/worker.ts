/**
 * Worker-thread entry: opens suites on demand (same {@link SuiteContext} → same cases as the
 * main thread) and runs the batches of case ids it is sent.
 */
import { parentPort } from 'node:worker_threads';
import { X86KitError } from '@x86kit/core';
import { getSuite } from './registry.js';
import { runOneCase, type CaseRecord, type FromWorker, type ToWorker } from './runner.js';
import type { SuiteInstance } from './suite.js';

const port = parentPort;
if (port === null) throw new Error('worker.js must run in a worker thread');
const open = new Map<string, Promise<SuiteInstance>>();

port.on('message', (m: ToWorker) => {
  if (m.type === 'close') {
    void Promise.all([...open.values()].map(async (p) => (await p).close?.())).then(() => port.close());
    return;
  }
  void (async () => {
    try {
      let inst = open.get(m.suite);
      if (inst === undefined) {
        inst = getSuite(m.suite).open(m.ctx);
        open.set(m.suite, inst);
      }
      const s = await inst;
      const records: CaseRecord[] = [];
      for (const id of m.ids) records.push(await runOneCase(s, id));
      port.postMessage({ type: 'results', suite: m.suite, batch: m.batch, records } satisfies FromWorker);
    } catch (e) {
      const msg: FromWorker = { type: 'error', suite: m.suite, batch: m.batch, message: e instanceof Error ? e.message : String(e) };
      if (e instanceof X86KitError) { msg.errorClass = e.name; msg.code = e.code; }
      port.postMessage(msg);
    }
  })();
});
