import { defineConfig } from 'vitest/config';

// Tests import the built package (dist/), as users do: `npm test` builds first.
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
