// tools/gen-x86: generators for packages/*/src/generated. `npm run gen` runs them (src/main.ts).
export { generateDecoder, parseIsa, type IsaRecord, type GeneratedFile } from './decoder-gen.js';
