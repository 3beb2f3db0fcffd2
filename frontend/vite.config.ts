/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The Rust binary serves dist/ at `/` and the API at `/api`; in development
// the Vite server forwards `/api` to a locally running `tongyao serve`.
export default defineConfig({
  plugins: [react()],
  server: {
    port: 5173,
    proxy: {
      '/api': { target: process.env.TONGYAO_API ?? 'http://127.0.0.1:8080', changeOrigin: false },
    },
  },
  build: {
    outDir: 'dist',
    chunkSizeWarningLimit: 1500,
  },
  test: {
    environment: 'jsdom',
    globals: false,
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    css: false,
    // The page tests type into Ant Design forms with user-event: a few seconds alone, several
    // times that on a 2-core machine while the test script checks the Rust code beside them.
    testTimeout: 30_000,
  },
});
