// Sending the outbox and pulling what the phone needs. Runs in the page and in the
// service worker (Background Sync), so it touches only IndexedDB and fetch.
//
// Guarantees kept here: a record leaves the outbox only on the server's answer for that
// record; a failed request (no network, server down, 5xx) leaves everything queued and
// the caller retries later; a 401 keeps every record queued and asks for a new sign-in.
import * as api from './api.js';
import * as store from './store.js';

export const BATCH_SIZE = 500; // the server takes up to 1,000; smaller batches suit a weak signal
export const CHANNEL = 'zhunong-outbox';
const LOCK = 'zhunong-outbox-sync';
const MAX_PULL_PAGES = 20; // at most 10,000 records a sync; the cursor resumes next time
const KEEP_PULLED_MS = 2 * 86_400_000; // older records from the server are not kept on the phone

/** Tell every open page (and the worker) that records or their states changed. */
export function announce(what) {
  try {
    const channel = new BroadcastChannel(CHANNEL);
    channel.postMessage({ type: what });
    channel.close();
  } catch { /* no BroadcastChannel: pages refresh on their own timer */ }
}

/**
 * Push every queued record, then pull. Only one sync runs at a time across the page and
 * the service worker (Web Locks), so two triggers never send the same batch twice at once
 * (a resend would only be answered "duplicate", but there is no need for it).
 * Resolves {status: 'ok'|'signed_out'|'auth'|'failed', sent, error}.
 * With {throwOnFailure: true} a failed request rejects instead, so Background Sync retries.
 */
export async function syncNow({ throwOnFailure = false } = {}) {
  const run = () => syncOnce();
  const result = (typeof navigator !== 'undefined' && navigator.locks)
    ? await navigator.locks.request(LOCK, run)
    : await run();
  if (throwOnFailure && result.status === 'failed') throw new Error(result.error);
  return result;
}

async function syncOnce() {
  const session = await store.getSetting('session');
  if (!session || !session.token) return { status: 'signed_out', sent: 0 };
  if (session.expired) return { status: 'auth', sent: 0 };
  const deviceId = await store.deviceId();
  let sent = 0;
  try {
    const queued = await store.queuedEntries(session.user.id);
    for (let i = 0; i < queued.length; i += BATCH_SIZE) {
      const batch = queued.slice(i, i + BATCH_SIZE);
      const body = await api.push(session.token, deviceId, batch.map(toPushRecord));
      await store.applyResults(resultsFor(batch, body));
      sent += batch.length;
      announce('states');
    }
    await pushAlertAcks(session, deviceId);
    await pullOnce(session);
  } catch (err) {
    if (err instanceof api.ApiError && err.status === 401) {
      await store.setSetting('session', { ...session, expired: true });
      await noteAttempt('auth', err.message);
      announce('session');
      return { status: 'auth', sent, error: err.message };
    }
    // Anything else (offline, 5xx, a 503 while the database restarts) keeps every record
    // queued and is retried, not before the server's Retry-After.
    const message = err instanceof api.ApiError ? err.message : String(err);
    const retryAfter = err instanceof api.ApiError ? err.retryAfterMs : 0;
    await noteAttempt('failed', message, retryAfter);
    return { status: 'failed', sent, error: message };
  }
  await noteAttempt('ok', null);
  return { status: 'ok', sent };
}

/** A stored entry as the push protocol wants it. */
export function toPushRecord(entry) {
  return { id: entry.id, type: 'ledger_entry', data: entry.data };
}

/** Her acknowledgements of risk alerts, as `alert_ack` records after the ledger's. Each
 *  leaves the queue only on the server's answer for it (which is idempotent: one row per
 *  person and alert, so a resend after a lost answer is a duplicate, not a second row). */
async function pushAlertAcks(session, deviceId) {
  const queued = await store.queuedAlertAcks(session.user.id);
  for (let i = 0; i < queued.length; i += BATCH_SIZE) {
    const batch = queued.slice(i, i + BATCH_SIZE);
    const body = await api.push(session.token, deviceId, batch.map(toAlertAckRecord));
    await store.applyAlertAckResults(batch, resultsFor(batch, body));
    announce('acks');
  }
}

/** A stored acknowledgement as the push protocol wants it. */
export function toAlertAckRecord(ack) {
  return { id: ack.id, type: 'alert_ack', data: { alert_id: ack.alert_id, acked_at: ack.acked_at } };
}

/** Results matched to the batch by id; a record the answer leaves out stays queued. */
function resultsFor(batch, body) {
  const ids = new Set(batch.map((e) => e.id));
  const results = (body && Array.isArray(body.results)) ? body.results : [];
  return results.filter((r) => r && ids.has(r.id));
}

/** Refresh her point, the limits in force and the risk alerts, and take in her point's
 *  records after the cursor (from another phone, or from before a reinstall). */
async function pullOnce(session) {
  const previous = (await store.getSetting('pull')) || {};
  let cursor = previous.cursor ?? 0;
  let body = null;
  for (let page = 0; page < MAX_PULL_PAGES; page += 1) {
    body = await api.pull(session.token, cursor);
    if (!body) return;
    const pointId = body.point ? body.point.id : session.user.point_id;
    await store.mergePulled(body.records || [], { userId: session.user.id, pointId, sinceMs: Date.now() - KEEP_PULLED_MS });
    cursor = body.cursor ?? cursor;
    if (!body.has_more) break;
  }
  await store.setSetting('pull', {
    cursor,
    point: body.point ?? previous.point ?? null,
    limits: body.limits ?? previous.limits ?? [],
    alerts: body.alerts ?? previous.alerts ?? [],
    pulled_at: Date.now(),
  });
  if (body.alerts) await store.pruneAlertAcks(session.user.id, body.alerts.map((a) => a.id));
  announce('pull');
}

async function noteAttempt(status, error, retryAfterMs = 0) {
  const previous = (await store.getSetting('sync_status')) || {};
  await store.setSetting('sync_status', {
    status,
    error,
    retry_after_ms: retryAfterMs,
    at: Date.now(),
    ok_at: status === 'ok' ? Date.now() : previous.ok_at ?? null,
    failures: status === 'ok' ? 0 : (previous.failures || 0) + 1,
  });
}

/** Delay before the next automatic try after `failures` failed ones: 10 s doubling to
 *  5 min, and never sooner than the server's Retry-After. */
export function backoffMs(failures, retryAfterMs = 0) {
  if (!failures) return 0;
  return Math.max(Math.min(10_000 * 2 ** (failures - 1), 300_000), retryAfterMs || 0);
}
