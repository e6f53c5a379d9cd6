// The tarball as `npm pack` makes it: what it holds, how big it is, and that every file in it
// that points at another file (imports, types, asset URLs, source maps, package.json fields)
// finds that file in it. The consumer projects (npm run test:consumers) then install it.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const [packed] = JSON.parse(
  execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' }),
) as [{ size: number; files: { path: string }[] }];
const files = new Set(packed.files.map((f) => f.path));
const read = (path: string) => readFileSync(join(root, path), 'utf8');

/** The package a bare specifier names (`@scope/name/sub` → `@scope/name`). */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
}

/** Every module specifier and asset URL a shipped JavaScript or declaration file names. */
function references(path: string): { spec: string; kind: string }[] {
  const text = read(path);
  const out: { spec: string; kind: string }[] = [];
  const patterns: [RegExp, string][] = [
    [/(?:^|[\s;}])(?:import|export)\s[^'"]*?\sfrom\s*["']([^"']+)["']/g, 'import'],
    [/(?:^|[\s;}])import\s*["']([^"']+)["']/g, 'import'],
    [/\bimport\(\s*["']([^"']+)["']\s*\)/g, 'import()'],
    [/new URL\(\s*["']([^"']+)["']\s*,\s*import\.meta\.url\s*\)/g, 'asset URL'],
    [/\/\/# sourceMappingURL=(\S+)/g, 'source map'],
    [/\/\/\/\s*<reference\s+path=["']([^"']+)["']/g, 'reference'],
  ];
  for (const [re, kind] of patterns) for (const m of text.matchAll(re)) out.push({ spec: m[1] as string, kind });
  return out;
}

describe('the npm tarball', () => {
  // The budget was 550 kB until 2026-12-01, when it became 600 kB on purpose: the ONNX writer
  // (24 kB gzipped, loaded only on export), the safetensors/PyTorch exporters (~10 kB) and a
  // core grown by the SiLU/GELU activations, per-concept registries and the model's
  // description (each binary 120 → 132 kB gzipped) took the package from 470 to 563 kB.
  // binaryen's wasm-opt -Oz saved 1 kB of a binary, so it is not used. It became 625 kB on
  // 2026-12-02, on purpose: data-parallel Classifier.fit (the classifier's shard gradients,
  // summed step, train state and replica calls, in each of the three binaries) took the
  // package from at most 600 kB to 611.8 kB. docs/benchmarks.md keeps the history.
  it('stays within its size budget (625 kB packed)', () => {
    expect(packed.size).toBeLessThanOrEqual(625_000);
  });

  it('holds the license, the readme, the three binaries, one glue and the browser worker', () => {
    for (const f of [
      'LICENSE',
      'README.md',
      'package.json',
      'dist/wasm/diabolo-relaxed.wasm',
      'dist/wasm/diabolo-simd128.wasm',
      'dist/wasm/diabolo-scalar.wasm',
      'dist/wasm/glue.js',
      'dist/worker/browser.js',
    ]) {
      expect(files, f).toContain(f);
    }
    expect(read('LICENSE')).toContain(pkg.license);
    // The worker bundle never starts a worker: a reference to itself would make bundlers emit a nested copy.
    expect(read('dist/worker/browser.js')).not.toMatch(/new Worker|worker\/browser\.js/);
    expect([...files].filter((f) => f.endsWith('.js') && f.includes('wasm/'))).toEqual(['dist/wasm/glue.js']);
  });

  it('ships only what a user runs: no sources, maps, tests or the demo', () => {
    const unwanted = [...files].filter(
      (f) =>
        f.endsWith('.map') ||
        (f.endsWith('.ts') && !f.endsWith('.d.ts')) ||
        /^(tests|bench|crates|scripts|studio|ts)\//.test(f) ||
        f.startsWith('dist/cli/demo.') ||
        f === 'dist/worker/browser-entry.js',
    );
    expect(unwanted).toEqual([]);
  });

  it('has metadata for the registry page', () => {
    for (const field of ['description', 'license', 'repository', 'homepage', 'bugs', 'keywords', 'engines']) {
      expect(pkg[field], field).toBeTruthy();
    }
    expect(pkg.exports['./package.json']).toBe('./package.json');
    // Each condition carries its own types: a browser project must not see Node-only exports.
    expect(pkg.exports['.'].node.types).toBe('./dist/index.node.d.ts');
    expect(pkg.exports['.'].default.types).toBe('./dist/index.browser.d.ts');
    expect(read('dist/index.browser.d.ts')).not.toMatch(/loadMnist|writePng|node:/);
  });

  it('every file the package.json names is in it', () => {
    const targets: string[] = [pkg.main, pkg.types, pkg.browser, ...Object.values(pkg.bin as Record<string, string>)];
    const walk = (v: unknown): void => {
      if (typeof v === 'string') targets.push(v);
      else if (v && typeof v === 'object') for (const x of Object.values(v)) walk(x);
    };
    walk(pkg.exports);
    for (const t of targets) expect(files, t).toContain(normalize(t));
  });

  it('every import, type reference, asset URL and source map of a shipped file resolves inside it', () => {
    const dependencies = new Set(Object.keys(pkg.dependencies));
    const builtins = new Set(builtinModules);
    const broken: string[] = [];
    let checked = 0;
    for (const file of files) {
      if (!/\.(m?js|d\.ts)$/.test(file)) continue;
      for (const { spec, kind } of references(file)) {
        checked++;
        if (/^(https?|data):/.test(spec)) continue;
        // Module specifiers without ./ name packages; URLs (assets, maps) are always relative.
        const url = kind === 'asset URL' || kind === 'source map' || kind === 'reference';
        if (!url && !spec.startsWith('.') && !spec.startsWith('/')) {
          const name = packageOf(spec);
          const ok = spec.startsWith('node:') ? builtins.has(spec.slice(5)) : dependencies.has(name);
          if (!ok) broken.push(`${file}: ${kind} ${spec} (not a dependency)`);
          continue;
        }
        const target = normalize(join(dirname(file), spec));
        const candidates = file.endsWith('.d.ts') ? [target.replace(/\.js$/, '.d.ts'), target] : [target];
        if (!candidates.some((c) => files.has(c)))
          broken.push(`${file}: ${kind} ${spec} → ${target} is not in the tarball`);
      }
    }
    expect(checked).toBeGreaterThan(150);
    expect(broken).toEqual([]);
  });
});
