// No import cycles in the TypeScript sources, between files or between folders: the layers
// form a directed acyclic graph (ts/src/base ← core, data, … ← model ← cli; entry points at
// the root). Type-only imports count too — layering is about what a module knows. Some folders
// are held narrower (ONLY below: the exporters of interop/ import base/ alone). Run by
// `npm run check`; prints each cycle or stray import and exits 1 if there is one.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findCycles } from './graph-cycles.mjs';

const root = fileURLToPath(new URL('../ts/src/', import.meta.url));
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== 'wasm') walk(path);
    } else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) files.push(path);
  }
})(root);

/** Relative imports and re-exports of a file, as source paths. */
function imports(file) {
  const text = readFileSync(file, 'utf8');
  const found = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\b[^'"]*?\bfrom\s*['"](\.[^'"]+)['"]/gm)) {
    const target = normalize(join(dirname(file), m[1])).replace(/\.js$/, '.ts');
    if (files.includes(target)) found.push(target);
  }
  return found;
}

const edges = new Map(files.map((f) => [f, imports(f)]));
const name = (f) => relative(root, f);
const folder = (f) => relative(root, dirname(f)) || '(root)';

const folders = new Map();
for (const [from, tos] of edges) {
  for (const to of tos) {
    if (folder(from) === folder(to)) continue;
    if (!folders.has(folder(from))) folders.set(folder(from), new Set());
    folders.get(folder(from)).add(folder(to));
  }
}
// Folders held to fewer imports than the DAG alone allows: exporters know only `base`.
const ONLY = { interop: ['base'] };
const narrow = [];
for (const [from, tos] of folders) {
  for (const to of tos) {
    if (ONLY[from] && !ONLY[from].includes(to))
      narrow.push(`${from} may import only ${ONLY[from].join(', ')}: it imports ${to}`);
  }
}
const problems = [
  ...findCycles(edges).map((c) => `file cycle: ${c.map(name).join(' → ')}`),
  ...findCycles(folders).map((c) => `folder cycle: ${c.join(' → ')}`),
  ...narrow,
];
for (const p of problems) console.error(p);
if (problems.length) process.exit(1);
console.log(`check-cycles: ${files.length} files in ${folders.size} folders, no cycle`);
