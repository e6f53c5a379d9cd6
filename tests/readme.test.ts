// Every ```js example of the README runs, against the built package: the documentation
// cannot drift from the code.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1] as string);
const entry = pathToFileURL(fileURLToPath(new URL('../dist/index.node.js', import.meta.url))).href;
const EXPORTS = 'Autoencoder, Classifier, pretrainStack, shapes, matrix, loadMnist, loadDigits';
const dir = mkdtempSync(join(tmpdir(), 'diabolo-readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('README examples', () => {
  it('has an example per variant', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(9);
  });
  blocks.forEach((code, i) => {
    const title = code.split('\n').find((l) => l.trim() && !l.startsWith('import')) ?? '';
    it(`example ${i + 1} runs: ${title.slice(0, 60)}`, async () => {
      const body = code.replace(/^import .* from 'diabolo';\n/gm, '');
      const file = join(dir, `example-${i}.mjs`);
      writeFileSync(
        file,
        `import * as diabolo from '${entry}';\nconst { ${EXPORTS} } = diabolo;\n${body}\nexport {};\n`,
      );
      const log = console.log;
      console.log = () => {};
      try {
        await import(pathToFileURL(file).href);
      } finally {
        console.log = log;
      }
    });
  });
});

describe('README links', () => {
  it('points only at files that exist in the repository (images, docs, sources)', () => {
    // Markdown links and images with a relative target, anchors cut off.
    const targets = [...readme.matchAll(/\]\(([^)\s]+)\)/g)]
      .map((m) => (m[1] as string).split('#')[0] as string)
      .filter((t) => t && !/^[a-z]+:/i.test(t));
    expect(targets.length).toBeGreaterThan(3);
    const missing = targets.filter((t) => !existsSync(fileURLToPath(new URL(`../${t}`, import.meta.url))));
    expect(missing).toEqual([]);
  });
});
