// Service worker of the keeper's register (source; `npm run build` writes /static/sw.js
// with the precache manifest injected by workbox-build).
//
// - The app shell is precached in a cache whose name carries the shell's version, so a
//   new deployment installs beside the old one and the old cache is deleted on activate.
// - The shell is served from the cache first: the app opens with no network at all.
// - /api is never cached: records live in IndexedDB, not in HTTP caches.
// - A new worker waits until the keeper taps "reload" (the page asks it to skip waiting);
//   queued records are in IndexedDB, so an update never touches them.
// - Background Sync ('outbox') sends the queue even when the page is closed.
import { syncNow } from './js/sync.js'; // bundled into sw.js by the build

const MANIFEST = self.__WB_MANIFEST;
const PREFIX = 'zhunong-shell-';
const SHELL_CACHE = PREFIX + version(MANIFEST);
const SHELL_URLS = new Set(MANIFEST.map((entry) => entry.url));

/** A short hash of every precached URL and revision: changes whenever any shell file does. */
function version(manifest) {
  let h = 0x811c9dc5; // FNV-1a, 32 bit
  for (const ch of JSON.stringify(manifest)) {
    h ^= ch.codePointAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(SHELL_CACHE);
    // cache: 'reload' skips the HTTP cache, so the new cache never holds an old file.
    await Promise.all(MANIFEST.map(async ({ url }) => {
      const response = await fetch(new Request(url, { cache: 'reload' }));
      if (!response.ok) throw new Error(`precache ${url}: HTTP ${response.status}`);
      await cache.put(url, response);
    }));
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names
      .filter((name) => name.startsWith(PREFIX) && name !== SHELL_CACHE)
      .map((name) => caches.delete(name)));
    await self.clients.claim();
  })());
});

self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'SKIP_WAITING') self.skipWaiting();
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname === '/healthz') return;

  if (url.pathname.startsWith('/console')) return; // the console is online-only, not the shell
  if (request.mode === 'navigate' && !url.pathname.startsWith('/static/')) {
    // Every page of the app is the one shell; the view is chosen in the page.
    event.respondWith(fromShell('/', request));
  } else if (SHELL_URLS.has(url.pathname)) {
    event.respondWith(fromShell(url.pathname, request));
  }
});

async function fromShell(key, request) {
  const cached = await caches.match(key, { cacheName: SHELL_CACHE });
  return cached || fetch(request);
}

self.addEventListener('sync', (event) => {
  if (event.tag === 'outbox') {
    // Rejecting tells the browser the sync failed, so it tries again later.
    event.waitUntil(syncNow({ throwOnFailure: true }));
  }
});
