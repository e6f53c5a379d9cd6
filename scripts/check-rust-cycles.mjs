// No cycles between the modules of each Rust crate, at two levels: between the top-level
// modules (the layers: `num`, `nn`, `models`, `error`, …) and between the leaf modules (one
// per file: `nn::dense`, `kernels::gemm::pack`, `crate` for lib.rs). A module's edges are the
// modules its paths name — `crate::a::b::…`, `super::…`, `self::…`, and in `use` its own
// child modules — each resolved to the longest prefix that is a module (an item re-exported
// by lib.rs or a folder's mod.rs resolves to that file, whose own `pub use` then leads on).
// Comments and literals are not read. Test code may look anywhere: `#[cfg(test)]` modules,
// inline or in files of their own, are left out. Run by `npm run check`; prints each cycle
// and exits 1 if there is one.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findCycles } from './graph-cycles.mjs';

/** `text` with comments, string and char literals blanked (same length, newlines kept). */
function codeOnly(text) {
  const out = text.split('');
  const blank = (from, to) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const prevIdent = i > 0 && /[A-Za-z0-9_]/.test(text[i - 1]);
    if (c === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? text.length : end;
      blank(i, stop);
      i = stop;
    } else if (c === '/' && text[i + 1] === '*') {
      let depth = 1;
      let j = i + 2;
      while (j < text.length && depth > 0) {
        if (text.startsWith('/*', j) || text.startsWith('*/', j)) {
          depth += text[j] === '/' ? 1 : -1;
          j += 2;
        } else j++;
      }
      blank(i, j);
      i = j;
    } else if (!prevIdent && /^b?r#*"/.test(text.slice(i, i + 8)) && text[i] !== '"') {
      const m = /^b?r(#*)"/.exec(text.slice(i, i + 300));
      const close = `"${m[1]}`;
      const end = text.indexOf(close, i + m[0].length);
      const stop = end < 0 ? text.length : end + close.length;
      blank(i, stop);
      i = stop;
    } else if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      blank(i, j + 1);
      i = j + 1;
    } else if (c === "'") {
      // A char literal ('x', '\n', '\u{…}', '≤') or a lifetime/label ('a).
      const width = (text.codePointAt(i + 1) ?? 0) > 0xffff ? 2 : 1;
      if (text[i + 1] === '\\') {
        const end = text.indexOf("'", i + 3);
        blank(i, end + 1);
        i = end + 1;
      } else if (text[i + 1 + width] === "'") {
        blank(i, i + 2 + width);
        i += 2 + width;
      } else i++;
    } else i++;
  }
  return out.join('');
}

/** Index just past the brace that closes the one at `open`. */
function closing(code, open) {
  let depth = 0;
  for (let j = open; j < code.length; j++) {
    if (code[j] === '{') depth++;
    else if (code[j] === '}' && --depth === 0) return j + 1;
  }
  return code.length;
}

/** Paths of a `use` tree (`a::{b, c::{d, e}}` → `a::b`, `a::c::d`, `a::c::e`). */
function useTree(tree, prefix = []) {
  tree = tree.trim();
  const brace = tree.indexOf('{');
  if (brace < 0) {
    const segs = tree
      .split(/\s+as\s+/)[0]
      .split('::')
      .map((s) => s.trim())
      .filter(Boolean);
    return [[...prefix, ...segs]];
  }
  const head = tree
    .slice(0, brace)
    .split('::')
    .map((s) => s.trim())
    .filter(Boolean);
  const inner = tree.slice(brace + 1, tree.lastIndexOf('}'));
  const parts = [];
  let depth = 0;
  let start = 0;
  for (let k = 0; k <= inner.length; k++) {
    if (k === inner.length || (inner[k] === ',' && depth === 0)) {
      if (inner.slice(start, k).trim()) parts.push(inner.slice(start, k));
      start = k + 1;
    } else if (inner[k] === '{') depth++;
    else if (inner[k] === '}') depth--;
  }
  return parts.flatMap((p) => (p.trim() === 'self' ? [[...prefix, ...head]] : useTree(p, [...prefix, ...head])));
}

/** The modules of one crate: name (`a::b`, `crate` for lib.rs) → blanked code and test-only flag. */
function readCrate(src) {
  const files = readdirSync(src, { recursive: true })
    .filter((f) => f.endsWith('.rs'))
    .map((f) => f.split(sep).join('/'));
  const modules = new Map();
  for (const file of files) {
    const parts = file.replace(/\.rs$/, '').split('/');
    if (parts.at(-1) === 'mod') parts.pop();
    const name = file === 'lib.rs' ? 'crate' : parts.join('::');
    modules.set(name, { file, code: codeOnly(readFileSync(join(src, file), 'utf8')) });
  }
  return modules;
}

const problems = [];
let counted = 0;
for (const crate of ['diabolo-core', 'diabolo-wasm']) {
  const src = fileURLToPath(new URL(`../crates/${crate}/src/`, import.meta.url));
  const modules = readCrate(src);
  const path = (name) => (name === 'crate' ? [] : name.split('::'));
  const moduleName = (segs) => (segs.length ? segs.join('::') : 'crate');
  // Test code: `#[cfg(test)]` modules — inline ones are cut out, file ones skipped.
  const testFiles = new Set();
  for (const [name, m] of modules) {
    const gated = /#\[cfg\(test\)\]\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*([;{])/g;
    let code = m.code;
    for (let g = gated.exec(code); g; g = gated.exec(code)) {
      if (g[2] === ';') testFiles.add(moduleName([...path(name), g[1]]));
      else {
        const end = closing(code, g.index + g[0].length - 1);
        code = code.slice(0, g.index) + code.slice(g.index, end).replace(/[^\n]/g, ' ') + code.slice(end);
      }
    }
    m.code = code;
  }
  for (const t of [...testFiles])
    for (const n of modules.keys()) if (n === t || n.startsWith(`${t}::`)) testFiles.add(n);
  for (const t of testFiles) modules.delete(t);

  // Resolve `segs` (as written in module `at`, inside inline modules `inline`) to a module.
  const resolve = (segs, at, inline, inUse) => {
    let base = [...path(at), ...inline];
    let rest = segs;
    if (rest[0] === 'crate') {
      base = [];
      rest = rest.slice(1);
    } else if (rest[0] === 'self') rest = rest.slice(1);
    else if (rest[0] === 'super') {
      while (rest[0] === 'super') {
        base = base.slice(0, -1);
        rest = rest.slice(1);
      }
    } else if (!inUse || !modules.has(moduleName([...path(at), rest[0]]))) return null; // std, other crates
    const full = [...base, ...rest];
    for (let k = full.length; k >= 0; k--)
      if (modules.has(moduleName(full.slice(0, k)))) return moduleName(full.slice(0, k));
    return null;
  };

  const leaf = new Map();
  for (const [name, { code }] of modules) {
    // Inline (non-test) modules: `super` inside them is relative to them.
    const inlineMods = [...code.matchAll(/\bmod\s+(\w+)\s*\{/g)].map((g) => ({
      name: g[1],
      from: g.index,
      to: closing(code, g.index + g[0].length - 1),
    }));
    const inlineAt = (pos) => inlineMods.filter((r) => r.from <= pos && pos < r.to).map((r) => r.name);
    const uses = new Set();
    const add = (segs, pos, inUse) => {
      const target = resolve(segs, name, inlineAt(pos), inUse);
      if (target && target !== name) uses.add(target);
    };
    const useRe = /\buse\s+([^;]+);/g;
    for (const u of code.matchAll(useRe)) for (const segs of useTree(u[1])) add(segs, u.index, true);
    const rest = code.replace(useRe, (s) => s.replace(/[^\n]/g, ' '));
    for (const p of rest.matchAll(/\b(?:crate|super|self)(?:::\w+)+/g)) add(p[0].split('::'), p.index, false);
    leaf.set(name, uses);
  }
  const top = new Map();
  const layer = (n) => n.split('::')[0];
  for (const [name, uses] of leaf) {
    const succ = top.get(layer(name)) ?? new Set();
    for (const u of uses) if (layer(u) !== layer(name)) succ.add(layer(u));
    top.set(layer(name), succ);
  }
  counted += leaf.size;
  for (const cycle of findCycles(top)) problems.push(`${crate}: top-level module cycle: ${cycle.join(' → ')}`);
  for (const cycle of findCycles(leaf)) problems.push(`${crate}: module cycle: ${cycle.join(' → ')}`);
  if (process.argv.includes('--print')) {
    console.log(`${crate} (${relative(process.cwd(), src)}):`);
    for (const [n, s] of top) console.log(`  ${n} → ${[...s].sort().join(', ') || '∅'}`);
  }
}
for (const p of problems) console.error(p);
if (problems.length) process.exit(1);
console.log(`check-rust-cycles: ${counted} modules in 2 crates, no cycle between top-level or leaf modules`);
