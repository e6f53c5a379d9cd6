// `npm run studio` (dev server) and `npm run build:studio` (static site in studio/dist).
import { defineConfig } from 'vite';

export default defineConfig({
  root: new URL('.', import.meta.url).pathname,
  base: './',
  build: { target: 'es2022', outDir: 'dist', emptyOutDir: true },
  server: { port: 5173 },
});
