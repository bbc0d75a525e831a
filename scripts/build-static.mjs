// Builds the front-end from npm packages (pinned in package-lock.json); run by `make frontend`
// as `npm run build`. No bundler: the pages use ES modules directly.
//
// 1. Copies the libraries the pages load into static/vendor/ (idb for IndexedDB,
//    swagger-ui for the API reference page, maplibre-gl for the console's maps, loaded
//    only when a console page draws a map, chart.js for the dashboard's charts: its UMD
//    build, one self-contained file without eval, loaded by a <script src> only there).
// 2. Writes static/sw.js from static/sw-src.js with workbox-build's injectManifest: the
//    precache list of the keeper's shell with a revision hash per file.
// 3. Prints the shell's gzip size and fails when it is over the 150 KB budget (a cheap
//    phone on a slow network downloads all of it on first sign-in). The figures are also
//    written to static/vendor/shell-size.json for the benchmark report.
//
// workbox-build is pinned to 7.4.0, the last 7.x on rollup 2: 7.4.1 moved to rollup 4,
// whose per-platform optional packages are not all served by the registry these machines
// use, and `npm ci` then refuses the lock file.
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { getManifest, injectManifest } from 'workbox-build';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const STATIC = join(ROOT, 'static');
const VENDOR = join(STATIC, 'vendor');
const BUDGET_BYTES = 150 * 1024;

const VENDORED = {
  idb: ['build/index.js', 'LICENSE'],
  // The console's small maps (ES modules; the worker is found next to the main module).
  'maplibre-gl': ['dist/maplibre-gl.mjs', 'dist/maplibre-gl-worker.mjs', 'dist/maplibre-gl.css', 'LICENSE.txt'],
  // The dashboard's charts. The ES build imports '@kurkle/color' by bare name, which a
  // page without an import map (the console's CSP allows no inline script) cannot resolve.
  'chart.js': ['dist/chart.umd.min.js', 'LICENSE.md'],
  'swagger-ui': {
    from: 'swagger-ui-dist',
    files: ['swagger-ui-bundle.js', 'swagger-ui.css', 'LICENSE', 'NOTICE'],
  },
};

async function vendor() {
  await rm(VENDOR, { recursive: true, force: true });
  for (const [name, spec] of Object.entries(VENDORED)) {
    const pkg = Array.isArray(spec) ? name : spec.from;
    const files = Array.isArray(spec) ? spec : spec.files;
    await mkdir(join(VENDOR, name), { recursive: true });
    for (const file of files) {
      const base = file.split('/').pop();
      await copyFile(join(ROOT, 'node_modules', pkg, file), join(VENDOR, name, base));
    }
  }
}

// The keeper's shell: what the service worker precaches. The API reference page and its
// swagger-ui bundle are for developers online, so they stay out of it.
const SHELL_GLOBS = [
  'index.html',
  'manifest.webmanifest',
  'css/app.css',
  'css/field.css',
  'js/*.js',
  'vendor/idb/index.js',
  'icons/icon-192.png',
  'icons/icon.svg',
];
const SHELL_IGNORES = ['js/api-docs.js'];

/** Shell files are served under /static/, except the page itself (/) and the manifest. */
function toShellUrls(entries) {
  const manifest = entries.map((entry) => {
    let url = `/static/${entry.url}`;
    if (entry.url === 'index.html') url = '/';
    if (entry.url === 'manifest.webmanifest') url = '/manifest.webmanifest';
    return { ...entry, url };
  });
  return { manifest, warnings: [] };
}

async function buildServiceWorker() {
  const shell = {
    globDirectory: STATIC,
    globPatterns: SHELL_GLOBS,
    globIgnores: SHELL_IGNORES,
    manifestTransforms: [toShellUrls],
  };
  const { count, size, warnings } = await injectManifest({
    ...shell,
    swSrc: join(STATIC, 'sw-src.js'),
    swDest: join(STATIC, 'sw.js'),
  });
  for (const warning of warnings) console.warn(`workbox: ${warning}`);
  const { manifestEntries } = await getManifest(shell);
  return { count, size, urls: manifestEntries.map((e) => e.url) };
}

/** Raw and gzip size of the shell the keeper downloads (everything precached but icons). */
async function shellSize(urls) {
  let raw = 0;
  let gzip = 0;
  const files = [];
  for (const url of urls) {
    if (url.startsWith('/static/icons/')) continue;
    const rel = url === '/' ? 'index.html' : url.replace(/^\/(static\/)?/, '');
    const bytes = await readFile(join(STATIC, rel));
    const packed = gzipSync(bytes, { level: 9 }).length;
    raw += bytes.length;
    gzip += packed;
    files.push({ url, raw: bytes.length, gzip: packed });
  }
  // The service worker itself is part of what the phone downloads.
  const sw = await readFile(join(STATIC, 'sw.js'));
  raw += sw.length;
  gzip += gzipSync(sw, { level: 9 }).length;
  return { raw, gzip, files };
}

await vendor();
const sw = await buildServiceWorker();
const size = await shellSize(sw.urls);
await writeFile(join(VENDOR, 'shell-size.json'), JSON.stringify({ ...size, budget: BUDGET_BYTES }, null, 2));
const kb = (n) => (n / 1024).toFixed(1);
console.log(`static/sw.js: precaches ${sw.count} files (${kb(sw.size)} KB)`);
console.log(`keeper shell: ${kb(size.raw)} KB raw, ${kb(size.gzip)} KB gzip (budget ${kb(BUDGET_BYTES)} KB)`);
if (size.gzip > BUDGET_BYTES) {
  console.error('keeper shell is over its size budget');
  process.exit(1);
}
