import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

// The API server during development: `pingan serve --listen 127.0.0.1:8080`.
const apiTarget = process.env.PINGAN_API ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [vue()],
  // Relative asset paths: dist/ can be served at / or under any prefix by `pingan serve`.
  base: './',
  server: {
    host: '127.0.0.1',
    port: 5173,
    proxy: { '/api': { target: apiTarget, ws: true, changeOrigin: false } },
  },
  preview: {
    host: '127.0.0.1',
    port: 4173,
    proxy: { '/api': { target: apiTarget, ws: true, changeOrigin: false } },
  },
  build: {
    outDir: 'dist',
    target: 'es2020',
    chunkSizeWarningLimit: 1200,
    rollupOptions: {
      output: {
        // Big libraries in their own files, so a console update does not re-download them.
        manualChunks(id: string) {
          if (id.includes('node_modules/maplibre-gl')) return 'maplibre';
          if (id.includes('node_modules/echarts') || id.includes('node_modules/zrender'))
            return 'echarts';
          if (id.includes('node_modules/element-plus') || id.includes('node_modules/@element-plus'))
            return 'element-plus';
          return undefined;
        },
      },
    },
  },
});
