import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * The report page's build. Tally serves `dist/index.html` (with a session token injected) at its
 * page routes and `dist/assets/*` at `/assets/*`, so asset URLs are absolute from the root: Tally
 * always serves at the root of its base URL (docs/architecture.md). The output has no inline
 * script: Tally's CSP allows only its own script files and Atlassian's all.js.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    // Never inline small assets as data: URLs into scripts or styles; keeps every file cacheable.
    assetsInlineLimit: 0,
    sourcemap: false,
    target: 'es2022',
  },
  server: {
    // `npx vite web` for page work: the API is a running Tally (npm run demo prints its URL).
    proxy: process.env.TALLY_URL ? { '/api': process.env.TALLY_URL } : undefined,
  },
});
