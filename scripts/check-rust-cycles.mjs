// No cycles between the modules of each Rust crate: a module's `crate::x` references
// (outside its `#[cfg(test)] mod tests`, which may look anywhere) are its edges, and the
// graph must be acyclic. Run by `npm run check`; prints each cycle and exits 1 if there is one.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findCycles } from './graph-cycles.mjs';

const crates = ['diabolo-core', 'diabolo-wasm'];
const problems = [];
let modules = 0;
for (const name of crates) {
  const src = fileURLToPath(new URL(`../crates/${name}/src/`, import.meta.url));
  const graph = new Map();
  for (const file of readdirSync(src).filter((f) => f.endsWith('.rs') && f !== 'lib.rs')) {
    let text = readFileSync(join(src, file), 'utf8');
    const tests = text.search(/#\[cfg\(test\)\]\s*mod tests/);
    if (tests >= 0) text = text.slice(0, tests);
    const self = file.replace(/\.rs$/, '');
    const uses = new Set([...text.matchAll(/\bcrate::([a-z_]+)/g)].map((m) => m[1]).filter((m) => m !== self));
    graph.set(self, uses);
  }
  modules += graph.size;
  for (const cycle of findCycles(graph)) problems.push(`${name}: ${cycle.join(' → ')}`);
}
for (const p of problems) console.error(`module cycle: ${p}`);
if (problems.length) process.exit(1);
console.log(`check-rust-cycles: ${modules} modules in ${crates.length} crates, no cycle`);
