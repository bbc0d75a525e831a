// The field worker's local store in IndexedDB: its own database, so the keeper's
// register schema (store.js) is untouched and a phone can hold both.
//
// records — visits, talks and visit business as pushed, keyed by their client UUID.
//           Written once with add() and never rewritten: what she saved is frozen.
// states  — where each record stands (queued / synced / rejected / conflict).
// kv      — the visit in progress, the last pull (villages with boundaries, points,
//           alerts, cursor), the sync status.
import { openDB } from '../vendor/idb/index.js';

let dbPromise = null;

function db() {
  if (!dbPromise) {
    dbPromise = openDB('zhunong-field', 1, {
      upgrade(database) {
        database.createObjectStore('kv');
        database.createObjectStore('records', { keyPath: 'id' }).createIndex('saved_at', 'saved_at');
        database.createObjectStore('states', { keyPath: 'id' }).createIndex('state', 'state');
      },
      blocking() { dbPromise.then((d) => d.close()); dbPromise = null; },
    });
  }
  return dbPromise;
}

export async function get(key) {
  return (await db()).get('kv', key);
}

export async function put(key, value) {
  const tx = (await db()).transaction('kv', 'readwrite', { durability: 'strict' });
  if (value === undefined) tx.store.delete(key); else tx.store.put(value, key);
  await tx.done;
}

/** Read-modify-write of a kv item in one transaction, so two quick taps (+1, +1) can
 *  never both read the old value: IndexedDB runs overlapping readwrite transactions on
 *  the same store one after the other. */
export async function update(key, change) {
  const tx = (await db()).transaction('kv', 'readwrite', { durability: 'strict' });
  const value = await tx.store.get(key);
  if (value !== undefined) await tx.store.put(change(value), key);
  await tx.done;
}

/** Queue a record (and optionally set or clear a kv item in the same transaction, so
 *  "the visit ended" and "its record is queued" can never be half done). Resolves after
 *  the strict-durability commit: only then may the screen say 已保存. */
export async function queue(record, kv = null) {
  const tx = (await db()).transaction(['records', 'states', 'kv'], 'readwrite', { durability: 'strict' });
  tx.objectStore('records').add(record);
  tx.objectStore('states').add({ id: record.id, state: 'queued', since: record.saved_at });
  if (kv) {
    const store = tx.objectStore('kv');
    if (kv.value === undefined) store.delete(kv.key); else store.put(kv.value, kv.key);
  }
  await tx.done;
  return record;
}

/** Records in the given states, each with its state, oldest first. */
export async function inState(...names) {
  const d = await db();
  const rows = [];
  for (const name of names) {
    for (const s of await d.getAllFromIndex('states', 'state', name)) {
      const r = await d.get('records', s.id);
      if (r) rows.push({ ...r, sync: s });
    }
  }
  return rows.sort((a, b) => a.saved_at - b.saved_at);
}

export async function queued(userId) {
  return (await inState('queued')).filter((r) => r.user_id === userId);
}

export async function applyResults(results, at = Date.now()) {
  const map = { accepted: 'synced', duplicate: 'synced', conflict: 'conflict', rejected: 'rejected' };
  const tx = (await db()).transaction('states', 'readwrite', { durability: 'strict' });
  for (const r of results) {
    const state = map[r.status];
    if (state) tx.store.put({ id: r.id, state, reason: r.reason || null, flags: r.flags || [], since: at });
  }
  await tx.done;
}

/** Her records the server sent back (saved on another phone of hers, or on this one
 *  before a reinstall): kept as synced, never over a record this phone already holds. */
export async function remember(rows, at = Date.now()) {
  if (!rows.length) return;
  const tx = (await db()).transaction(['records', 'states'], 'readwrite', { durability: 'strict' });
  const records = tx.objectStore('records');
  const states = tx.objectStore('states');
  await Promise.all(rows.map(async (r) => {
    if (await records.getKey(r.id) !== undefined) return;
    await records.add(r);
    await states.put({ id: r.id, state: 'synced', reason: null, flags: r.flags || [], since: at });
  }));
  await tx.done;
}

/** Every record saved since `sinceMs`, with its state, newest first. */
export async function since(sinceMs) {
  const d = await db();
  const rows = await d.getAllFromIndex('records', 'saved_at', IDBKeyRange.lowerBound(sinceMs));
  const states = await Promise.all(rows.map((r) => d.get('states', r.id)));
  return rows.map((r, i) => ({ ...r, sync: states[i] || { state: 'queued' } })).reverse();
}
