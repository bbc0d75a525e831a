// The installed app around the register: service worker, "update available" toast,
// persistent storage, Background Sync registration.

let registration = null;

/** Register /sw.js. A waiting new version shows the toast; reloading onto it is the keeper's
 *  choice and loses nothing, because queued records live in IndexedDB, not in the page. */
export async function registerServiceWorker() {
  if (!('serviceWorker' in navigator)) return null;
  let reloading = false;
  let accepted = false;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    // The first install also changes the controller (clients.claim): reload only on request.
    if (accepted && !reloading) { reloading = true; location.reload(); }
  });
  try {
    registration = await navigator.serviceWorker.register('/sw.js', { type: 'module', updateViaCache: 'none' });
  } catch (err) {
    console.warn('service worker not registered', err);
    return null;
  }
  const offer = (worker) => {
    if (!navigator.serviceWorker.controller) return; // first install: nothing to replace
    const toast = document.getElementById('update-toast');
    toast.hidden = false;
    document.getElementById('update-reload').onclick = () => {
      accepted = true;
      worker.postMessage({ type: 'SKIP_WAITING' });
    };
  };
  if (registration.waiting) offer(registration.waiting);
  registration.addEventListener('updatefound', () => {
    const worker = registration.installing;
    worker.addEventListener('statechange', () => { if (worker.state === 'installed') offer(worker); });
  });
  return registration;
}

/** Look for a new version now and then (the browser also checks on navigation). */
export function checkForUpdate() {
  if (registration) registration.update().catch(() => { /* offline: next time */ });
}

/** Ask the browser to send the outbox later even if the app is closed (where supported). */
export async function requestBackgroundSync() {
  try {
    const reg = registration || (await navigator.serviceWorker?.ready);
    if (reg && 'sync' in reg) await reg.sync.register('outbox');
  } catch { /* no Background Sync: the page's own triggers still run */ }
}

/** Ask that records not be evicted under storage pressure. Resolves true/false, or null
 *  when the browser has no such API. */
export async function askPersistentStorage() {
  if (!navigator.storage || !navigator.storage.persist) return null;
  try {
    if (await navigator.storage.persisted()) return true;
    return await navigator.storage.persist();
  } catch {
    return false;
  }
}
