// Pack an initramfs (cpio "newc") holding /dev/console and /init: node mkinitrd.mjs INIT OUT
import { readFileSync, writeFileSync } from 'node:fs';

const [, , initPath = 'init', outPath = 'initrd.cpio'] = process.argv;
const parts = [];
let ino = 100;
function pad4() { const n = parts.reduce((a, b) => a + b.length, 0) % 4; if (n) parts.push(Buffer.alloc(4 - n)); }
function entry(name, mode, data = Buffer.alloc(0), rdevMajor = 0, rdevMinor = 0, nlink = 1) {
  const nameZ = Buffer.from(`${name}\0`);
  const fields = [++ino, mode, 0, 0, nlink, 0, data.length, 0, 0, rdevMajor, rdevMinor, nameZ.length, 0];
  parts.push(Buffer.from(`070701${fields.map((v) => v.toString(16).toUpperCase().padStart(8, '0')).join('')}`), nameZ);
  pad4();
  parts.push(data);
  pad4();
}
entry('dev', 0o040755, undefined, 0, 0, 2);
entry('dev/console', 0o020600, undefined, 5, 1);
entry('init', 0o100755, readFileSync(initPath));
entry('TRAILER!!!', 0);
writeFileSync(outPath, Buffer.concat(parts));
