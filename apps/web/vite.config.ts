import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import tailwindcss from '@tailwindcss/vite';

const API = 'http://127.0.0.1:3000';

export default defineConfig({
  plugins: [react(), tailwindcss()],
  server: {
    proxy: {
      '/api': { target: API, ws: true },
      '/health': API,
      '/ready': API,
      '/webhooks': API,
    },
  },
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    sourcemap: false,
    // React DOM alone is ~200 kB; the vendor chunk is expected to pass Vite's 500 kB default.
    chunkSizeWarningLimit: 700,
    rolldownOptions: {
      output: {
        // Libraries change less often than the app: a separate chunk stays cached across releases.
        // Phone metadata (~80 kB) changes on its own schedule: its own chunk.
        codeSplitting: {
          groups: [
            { name: 'phone', test: /node_modules[\\/]libphonenumber-js/, priority: 2 },
            { name: 'vendor', test: /node_modules/, priority: 1 },
          ],
        },
      },
    },
  },
});
