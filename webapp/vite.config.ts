import { defineConfig } from 'vite';

// The app is served by the server at /app/ (and by `npm run dev` with the API proxied).
export default defineConfig({
  base: '/app/',
  build: {
    outDir: 'target/classes/static/app',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 700,
  },
  server: {
    proxy: {
      '/fhir': 'http://localhost:8080',
      '/oauth2': 'http://localhost:8080',
      '/login': 'http://localhost:8080',
    },
  },
});
