// The register's local store in IndexedDB, shared by the page and the service worker.
//
// entries  — the records as logged, keyed by their client UUID. Written once with add()
//            and never put() again: a record is frozen once queued (corrections are void
//            records), so nothing here can rewrite what the keeper saved.
// states   — where each record stands in sync (queued / synced / rejected / conflict),
//            the server's reason and flags, and whose record it is (user_id), so the
//            outbox banner is counted from this store alone. This is the only part that changes.
// settings — small key/value items: device id, session, pull results, sync status.
// acks     — her acknowledgements of risk alerts ("已阅读，确认"), one per user and alert,
//            keyed [user_id, alert_id], each with the id of the `alert_ack` record it
//            is pushed as and its state (queued until the server answers, then synced,
//            or rejected with the reason). Not ledger records: the outbox banner, which
//            counts records, leaves them out.
import { openDB } from '../vendor/idb/index.js';

const DB_NAME = 'zhunong-register';
// 2: states carry user_id (copied from their entry on upgrade).
// 3: the acks store (added beside the others; nothing existing is touched).
const DB_VERSION = 3;
let dbPromise = null;

export function db() {
  if (!dbPromise) {
    dbPromise = openDB(DB_NAME, DB_VERSION, {
      async upgrade(database, oldVersion, _newVersion, tx) {
        if (oldVersion < 1) {
          database.createObjectStore('settings');
          const entries = database.createObjectStore('entries', { keyPath: 'id' });
          entries.createIndex('saved_at', 'saved_at');
          const states = database.createObjectStore('states', { keyPath: 'id' });
          states.createIndex('state', 'state');
        }
        if (oldVersion >= 1 && oldVersion < 2) {
          const states = tx.objectStore('states');
          let cursor = await tx.objectStore('entries').openCursor();
          while (cursor) {
            const state = await states.get(cursor.value.id);
            if (state) await states.put({ ...state, user_id: cursor.value.user_id });
            cursor = await cursor.continue();
          }
        }
        if (oldVersion < 3) {
          const acks = database.createObjectStore('acks', { keyPath: ['user_id', 'alert_id'] });
          acks.createIndex('state', 'state');
        }
      },
      // Another tab or a new service worker wants a newer schema: let it.
      blocking() { dbPromise.then((d) => d.close()); dbPromise = null; },
    });
  }
  return dbPromise;
}

export async function getSetting(key) {
  return (await db()).get('settings', key);
}

export async function setSetting(key, value) {
  const tx = (await db()).transaction('settings', 'readwrite', { durability: 'strict' });
  await tx.store.put(value, key);
  await tx.done;
}

export async function deleteSetting(key) {
  const tx = (await db()).transaction('settings', 'readwrite', { durability: 'strict' });
  await tx.store.delete(key);
  await tx.done;
}

/** The device id, generated once and kept for the life of the install (also across sign-outs),
 *  so the server can tell this phone apart and revoke it if it is lost. */
export async function deviceId() {
  let id = await getSetting('device_id');
  if (!id) {
    id = crypto.randomUUID();
    await setSetting('device_id', id);
  }
  return id;
}

/** Save a new record and its "queued" state in one strict-durability transaction.
 *  Resolves only after the transaction's complete event: only then may the screen say 已保存. */
export async function addEntry(entry) {
  const tx = (await db()).transaction(['entries', 'states'], 'readwrite', { durability: 'strict' });
  // add(), not put(): an id that already exists is an error, never an overwrite.
  tx.objectStore('entries').add(entry);
  tx.objectStore('states').add({ id: entry.id, user_id: entry.user_id, state: 'queued', since: entry.saved_at });
  await tx.done;
  return entry;
}

export async function getEntry(id) {
  return (await db()).get('entries', id);
}

/** Records queued for the server, oldest first (a void always follows its original). */
export async function queuedEntries(userId) {
  const d = await db();
  const ids = await d.getAllKeysFromIndex('states', 'state', 'queued');
  const entries = (await Promise.all(ids.map((id) => d.get('entries', id)))).filter(Boolean);
  return entries
    .filter((e) => userId == null || e.user_id === userId)
    .sort((a, b) => a.saved_at - b.saved_at);
}

/** Apply the server's per-record results in one transaction. */
export async function applyResults(results, at = Date.now()) {
  const tx = (await db()).transaction('states', 'readwrite', { durability: 'strict' });
  for (const r of results) {
    const state = { accepted: 'synced', duplicate: 'synced', conflict: 'conflict', rejected: 'rejected' }[r.status];
    if (!state) continue; // an answer we do not understand leaves the record queued
    const previous = await tx.store.get(r.id); // keeps user_id
    tx.store.put({ ...previous, id: r.id, state, reason: r.reason || null, flags: r.flags || [], since: at });
  }
  await tx.done;
}

/** Take in records the server holds for her point: unknown ones since `sinceMs` are added
 *  as synced (the phone shows what the server has), known ones get the server's flags. */
export async function mergePulled(records, { userId, pointId, sinceMs }) {
  if (!records.length) return;
  const tx = (await db()).transaction(['entries', 'states'], 'readwrite', { durability: 'strict' });
  const entries = tx.objectStore('entries');
  const states = tx.objectStore('states');
  for (const r of records) {
    const state = await states.get(r.id);
    if (state) {
      if (state.state === 'synced') await states.put({ ...state, flags: r.flags || [] });
      continue;
    }
    const savedAt = Date.parse(r.occurred_at);
    if (!(savedAt >= sinceMs)) continue;
    await entries.add({
      id: r.id,
      user_id: userId,
      saved_at: savedAt,
      from_server: true,
      data: {
        point_id: pointId, kind: r.kind, amount_fen: r.amount_fen, card_masked: r.card_masked,
        voucher_no: r.voucher_no, occurred_at: r.occurred_at, lon: r.lon, lat: r.lat,
        void_of: r.void_of, note: r.note,
      },
    });
    await states.put({ id: r.id, user_id: userId, state: 'synced', reason: null, flags: r.flags || [], since: Date.now() });
  }
  await tx.done;
}

/** The keeper has read a refusal (or conflict): it leaves the outbox, the entry itself stays. */
export async function acknowledge(id) {
  const tx = (await db()).transaction('states', 'readwrite', { durability: 'strict' });
  const state = await tx.store.get(id);
  if (state && (state.state === 'rejected' || state.state === 'conflict')) {
    await tx.store.put({ ...state, acknowledged: Date.now() });
  }
  await tx.done;
}

/** Records saved since `sinceMs`, each with its sync state, newest first. */
export async function entriesSince(sinceMs) {
  const d = await db();
  const entries = await d.getAllFromIndex('entries', 'saved_at', IDBKeyRange.lowerBound(sinceMs));
  const states = await Promise.all(entries.map((e) => d.get('states', e.id)));
  return entries.map((e, i) => ({ ...e, sync: states[i] || { state: 'queued' } })).reverse();
}

/** Records whose state is one of `names`, each with its state, oldest first. */
export async function entriesInState(...names) {
  const d = await db();
  const rows = [];
  for (const name of names) {
    const states = await d.getAllFromIndex('states', 'state', name);
    for (const s of states) {
      const e = await d.get('entries', s.id);
      if (e) rows.push({ ...e, sync: s });
    }
  }
  return rows.sort((a, b) => a.saved_at - b.saved_at);
}

/** How many records wait and since when: the outbox banner, drawn after every save and
 *  every minute, so it is one read of the small states store (a queued state's `since`
 *  is its record's saved_at). */
export async function outboxSummary(userId) {
  const states = await (await db()).getAll('states');
  let waiting = 0;
  let oldest = null;
  let refused = 0;
  for (const s of states) {
    if (userId != null && s.user_id !== userId) continue;
    if (s.state === 'queued') {
      waiting += 1;
      if (oldest == null || s.since < oldest) oldest = s.since;
    } else if ((s.state === 'rejected' || s.state === 'conflict') && !s.acknowledged) {
      refused += 1;
    }
  }
  return { waiting, oldest, refused };
}

/** Forget records the server has held for a long time, so the phone's storage stays small.
 *  Only synced records go; anything queued, refused or in conflict stays until acted on. */
export async function pruneSynced(beforeMs) {
  const tx = (await db()).transaction(['entries', 'states'], 'readwrite', { durability: 'strict' });
  const entries = tx.objectStore('entries');
  const states = tx.objectStore('states');
  let cursor = await entries.index('saved_at').openCursor(IDBKeyRange.upperBound(beforeMs, true));
  while (cursor) {
    const state = await states.get(cursor.value.id);
    if (state && state.state === 'synced') {
      await states.delete(cursor.value.id);
      await cursor.delete();
    }
    cursor = await cursor.continue();
  }
  await tx.done;
}

/** She has read alert `alertId`: keep her acknowledgement, queued for the next sync, in one
 *  strict-durability transaction (resolves once it is on the phone). Acknowledging again
 *  keeps the first one, so one record goes, once; only a refused one is made anew. */
export async function acknowledgeAlert(userId, alertId, ackedAt) {
  const tx = (await db()).transaction('acks', 'readwrite', { durability: 'strict' });
  const existing = await tx.store.get([userId, alertId]);
  let ack = existing;
  if (!existing || existing.state === 'rejected') {
    ack = { id: crypto.randomUUID(), user_id: userId, alert_id: alertId, acked_at: ackedAt, state: 'queued', since: Date.now() };
    await tx.store.put(ack);
  }
  await tx.done;
  return ack;
}

/** Her acknowledgements waiting for the server, oldest first. */
export async function queuedAlertAcks(userId) {
  const acks = await (await db()).getAllFromIndex('acks', 'state', 'queued');
  return acks.filter((a) => a.user_id === userId).sort((a, b) => a.since - b.since);
}

/** Her acknowledgements by alert id, each with its state (queued / synced / rejected). */
export async function alertAcks(userId) {
  const acks = await (await db()).getAll('acks', IDBKeyRange.bound([userId, -Infinity], [userId, Infinity]));
  return new Map(acks.map((a) => [a.alert_id, a]));
}

/** The server's answers for pushed acknowledgements: accepted or duplicate (already
 *  acknowledged, another way) is synced; a refusal keeps its reason and lets her acknowledge
 *  again. An answer for another record id (a newer acknowledgement) changes nothing. */
export async function applyAlertAckResults(acks, results, at = Date.now()) {
  const byId = new Map(results.map((r) => [r.id, r]));
  const tx = (await db()).transaction('acks', 'readwrite', { durability: 'strict' });
  for (const ack of acks) {
    const r = byId.get(ack.id);
    const state = r && { accepted: 'synced', duplicate: 'synced', rejected: 'rejected', conflict: 'rejected' }[r.status];
    if (!state) continue; // no answer we understand: it stays queued
    const current = await tx.store.get([ack.user_id, ack.alert_id]);
    if (!current || current.id !== ack.id) continue;
    tx.store.put({ ...current, state, reason: r.reason || null, since: at });
  }
  await tx.done;
}

/** Forget her answered acknowledgements of alerts the server no longer sends (ended or
 *  withdrawn): the phone keeps only what it shows. Queued ones always stay. */
export async function pruneAlertAcks(userId, shownAlertIds) {
  const shown = new Set(shownAlertIds);
  const tx = (await db()).transaction('acks', 'readwrite', { durability: 'strict' });
  let cursor = await tx.store.openCursor(IDBKeyRange.bound([userId, -Infinity], [userId, Infinity]));
  while (cursor) {
    if (cursor.value.state !== 'queued' && !shown.has(cursor.value.alert_id)) await cursor.delete();
    cursor = await cursor.continue();
  }
  await tx.done;
}
