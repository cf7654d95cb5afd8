import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The dashboard is built into the server's dist/ (dist/dashboard), which the server serves at /.
// Hashed file names under assets/ are cached for a year; index.html is revalidated every time.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: {
    outDir: fileURLToPath(new URL('../../dist/dashboard', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    // No inline script or style may reach the page (CSP): small assets stay files too.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
  },
});
