import { defineConfig } from 'vitest/config';

// Integration tests import the built package (dist/), as users do: `npm test` builds first.
// tests/unit/ imports the TypeScript sources and needs no build (`npm run test:unit`).
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
