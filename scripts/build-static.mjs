// Builds the front-end from npm packages (pinned in package-lock.json); run by `make frontend`
// as `npm run build`. The sources (static/index.html, static/console/index.html,
// static/js/, static/css/, static/sw-src.js) are plain ES modules and stylesheets; what the
// browsers load is built from them into static/dist/ (not committed).
//
// 1. Copies the libraries the pages load into static/vendor/ (idb for IndexedDB,
//    swagger-ui for the API reference page, maplibre-gl for the console's maps, loaded
//    only when a console page draws a map, chart.js for the dashboard's charts: its UMD
//    build, one self-contained file without eval, loaded by a <script src> only there).
// 2. Bundles the keeper's register (static/js/app.js) and the console
//    (static/js/console/main.js) with esbuild: minified ES modules split into a small
//    entry, the chunks it imports and the chunks imported only when needed (the field
//    screens, the console's routing after a supervisor signs in), every file named by a
//    hash of its content (static/dist/assets/, static/dist/console/). app.py serves those
//    as immutable for a year; a new build has new names, so nothing stale is ever loaded.
// 3. Writes the pages with the hashed names: static/dist/index.html (the register, its
//    stylesheet inlined: the first paint waits for no other file; app/pwa.py sends the
//    CSP hash of that <style>) and static/dist/console/index.html.
// 4. Writes static/sw.js from static/sw-src.js (bundled with the sync code it imports) with
//    workbox-build's injectManifest: the precache list of the keeper's shell with a
//    revision hash per file.
// 5. Prints the shell's gzip size and fails when it is over the 150 KB budget (a cheap
//    phone on a slow network downloads all of it on first sign-in). The figures are also
//    written to static/vendor/shell-size.json for the benchmark report.
//
// The unhashed sources stay served under /static/js/ and /static/css/ with a short cache
// (tests and the API reference page load some of them by path); the built pages never
// reference them.
//
// workbox-build is pinned to 7.4.0, the last 7.x on rollup 2: 7.4.1 moved to rollup 4,
// whose per-platform optional packages are not all served by the registry these machines
// use, and `npm ci` then refuses the lock file. esbuild is pinned too (0.28.2).
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { getManifest, injectManifest } from 'workbox-build';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const STATIC = join(ROOT, 'static');
const VENDOR = join(STATIC, 'vendor');
const DIST = join(STATIC, 'dist');
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

/** `/static/...` URL of a file under static/. */
const urlOf = (path) => `/static/${relative(STATIC, path).split('\\').join('/')}`;

/** Content hash in a file name: 8 characters, like esbuild's [hash]. */
function hashed(name, bytes) {
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 8).toUpperCase();
  return `${basename(name, extname(name))}-${hash}${extname(name)}`;
}

/** Copies a file into `dir` under its content-hashed name; returns its URL. */
async function copyHashed(source, dir) {
  const bytes = await readFile(source);
  const dest = join(dir, hashed(source, bytes));
  await mkdir(dir, { recursive: true });
  await writeFile(dest, bytes);
  return urlOf(dest);
}

/** Minified CSS of a source stylesheet. */
async function minifiedCss(file) {
  const { code } = await esbuild.transform(await readFile(file, 'utf8'), { loader: 'css', minify: true });
  return code.trim();
}

/** Bundles one entry module into `outdir` (hashed names, split chunks); returns the entry's
 *  URL, the URLs of the chunks it imports statically (preloaded by the page) and of every
 *  file written. */
async function bundle(entry, outdir) {
  const result = await esbuild.build({
    entryPoints: [entry],
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    minify: true,
    target: ['chrome100', 'firefox100', 'safari15'],
    entryNames: '[name]-[hash]',
    chunkNames: 'chunk-[hash]',
    legalComments: 'eof',
    metafile: true,
    logLevel: 'warning',
  });
  const outputs = result.metafile.outputs;
  const [entryOut] = Object.entries(outputs).find(([, o]) => o.entryPoint === relative(ROOT, entry));
  const eager = new Set();
  const walk = (file) => {
    for (const imp of outputs[file].imports) {
      if (imp.kind === 'import-statement' && !imp.external && !eager.has(imp.path)) {
        eager.add(imp.path);
        walk(imp.path);
      }
    }
  };
  walk(entryOut);
  const url = (file) => urlOf(join(ROOT, file));
  return { entry: url(entryOut), preload: [...eager].map(url), files: Object.keys(outputs).map(url) };
}

function replaceOnce(html, from, to) {
  if (!html.includes(from)) throw new Error(`page: "${from}" not found`);
  return html.replace(from, () => to);
}

/** The keeper's register: its page with the stylesheet inlined and hashed names. */
async function buildKeeper() {
  const assets = join(DIST, 'assets');
  const js = await bundle(join(STATIC, 'js', 'app.js'), assets);
  const icon = await copyHashed(join(STATIC, 'icons', 'icon.svg'), assets);
  const touchIcon = await copyHashed(join(STATIC, 'icons', 'icon-192.png'), assets);
  const css = await minifiedCss(join(STATIC, 'css', 'app.css'));
  let html = await readFile(join(STATIC, 'index.html'), 'utf8');
  html = replaceOnce(html, 'href="/static/icons/icon.svg"', `href="${icon}"`);
  html = replaceOnce(html, 'href="/static/icons/icon-192.png"', `href="${touchIcon}"`);
  html = replaceOnce(html, '<link rel="stylesheet" href="/static/css/app.css">', `<style>${css}</style>`);
  html = replaceOnce(html, '<script type="module" src="/static/js/app.js"></script>',
    [`<script type="module" src="${js.entry}"></script>`,
      ...js.preload.map((href) => `<link rel="modulepreload" href="${href}">`)].join('\n'));
  await writeFile(join(DIST, 'index.html'), html);
}

/** The console: its page with hashed names (no inline style: its CSP allows none). */
async function buildConsole() {
  const out = join(DIST, 'console');
  const js = await bundle(join(STATIC, 'js', 'console', 'main.js'), out);
  const css = hashed('console.css', await minifiedCss(join(STATIC, 'css', 'console.css')));
  await writeFile(join(out, css), await minifiedCss(join(STATIC, 'css', 'console.css')));
  let html = await readFile(join(STATIC, 'console', 'index.html'), 'utf8');
  html = replaceOnce(html, 'href="/static/css/console.css"', `href="${urlOf(join(out, css))}"`);
  html = replaceOnce(html, '<script type="module" src="/static/js/console/main.js"></script>',
    [`<script type="module" src="${js.entry}"></script>`,
      ...js.preload.map((href) => `<link rel="modulepreload" href="${href}">`)].join('\n'));
  await writeFile(join(out, 'index.html'), html);
}

// The keeper's shell: what the service worker precaches (the register's page and every
// file of its build, eager or lazy, so it opens and works with no network). The API
// reference page and the console are online pages, never in it.
const SHELL_GLOBS = [
  'dist/index.html',
  'manifest.webmanifest',
  'dist/assets/*',
  'icons/icon-192.png',
  'icons/icon.svg',
];

/** Shell files are served under /static/, except the page itself (/) and the manifest. */
function toShellUrls(entries) {
  const manifest = entries.map((entry) => {
    let url = `/static/${entry.url}`;
    if (entry.url === 'dist/index.html') url = '/';
    if (entry.url === 'manifest.webmanifest') url = '/manifest.webmanifest';
    return { ...entry, url };
  });
  return { manifest, warnings: [] };
}

async function buildServiceWorker() {
  // The worker imports the sync code (for Background Sync): bundled into one file, so
  // /sw.js alone decides when there is an update.
  const work = await mkdtemp(join(tmpdir(), 'zhunong-sw-'));
  const swSrc = join(work, 'sw.js');
  try {
    await esbuild.build({
      entryPoints: [join(STATIC, 'sw-src.js')],
      outfile: swSrc,
      bundle: true,
      format: 'esm',
      target: ['chrome100', 'firefox100', 'safari15'],
      legalComments: 'eof',
      logLevel: 'warning',
    });
    const shell = {
      globDirectory: STATIC,
      globPatterns: SHELL_GLOBS,
      manifestTransforms: [toShellUrls],
    };
    const { count, size, warnings } = await injectManifest({
      ...shell,
      swSrc,
      swDest: join(STATIC, 'sw.js'),
    });
    for (const warning of warnings) console.warn(`workbox: ${warning}`);
    const { manifestEntries } = await getManifest(shell);
    return { count, size, urls: manifestEntries.map((e) => e.url) };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Raw and gzip size of the shell the keeper downloads (everything precached but icons). */
async function shellSize(urls) {
  let raw = 0;
  let gzip = 0;
  const files = [];
  for (const url of urls) {
    if (/\.(png|svg)$/.test(url)) continue; // icons: drawn once, not part of start-up
    const rel = url === '/' ? 'dist/index.html' : url.replace(/^\/(static\/)?/, '');
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
await rm(DIST, { recursive: true, force: true });
await buildKeeper();
await buildConsole();
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
