// The field worker's sync: her queued visits, talks and visit business go through the
// same push as a keeper's register (exactly once by client id), then her villages,
// points, alerts and records come from /api/v1/field/pull under a cursor.
//
// A record leaves the queue only on the server's answer for that record; a failed
// request leaves everything queued for the next try.
import * as api from './api.js';
import * as fstore from './field-store.js';

const BATCH_SIZE = 500;
const LOCK = 'zhunong-field-sync';
const MAX_PULL_PAGES = 20;
const KEEP_PULLED_MS = 2 * 86_400_000;

/** Push then pull, one at a time across tabs. Resolves {status: 'ok'|'failed'|'auth', error}. */
export async function syncField(session, deviceId) {
  const run = () => syncOnce(session, deviceId);
  return navigator.locks ? navigator.locks.request(LOCK, run) : run();
}

async function syncOnce(session, deviceId) {
  try {
    const queued = await fstore.queued(session.user.id);
    for (let i = 0; i < queued.length; i += BATCH_SIZE) {
      const batch = queued.slice(i, i + BATCH_SIZE);
      const body = await api.push(session.token, deviceId,
        batch.map((r) => ({ id: r.id, type: r.type, data: r.data })));
      const ids = new Set(batch.map((r) => r.id));
      await fstore.applyResults(((body && body.results) || []).filter((r) => r && ids.has(r.id)));
    }
    await pullOnce(session);
  } catch (err) {
    const status = err instanceof api.ApiError && err.status === 401 ? 'auth' : 'failed';
    await fstore.put('sync_status', { status, error: String(err.message || err), at: Date.now() });
    return { status, error: err.message };
  }
  await fstore.put('sync_status', { status: 'ok', at: Date.now(), ok_at: Date.now() });
  return { status: 'ok' };
}

async function pullOnce(session) {
  const previous = (await fstore.get('pull')) || {};
  let cursor = previous.cursor ?? 0;
  let body = null;
  const recent = Date.now() - KEEP_PULLED_MS;
  for (let page = 0; page < MAX_PULL_PAGES; page += 1) {
    body = await api.fieldPull(session.token, cursor);
    // Her records from the last two days, whichever phone saved them, so today's list
    // is whole; older ones stay on the server.
    await fstore.remember((body.records || []).map((r) => ({
      id: r.id, type: r.type, data: r.data, flags: r.flags, user_id: session.user.id,
      saved_at: Date.parse(r.data.occurred_at || r.data.ended_at || r.data.taken_at || r.data.inspected_at || r.data.acked_at) || Date.now(),
    })).filter((r) => r.saved_at >= recent));
    cursor = body.cursor ?? cursor;
    if (!body.has_more) break;
  }
  await fstore.put('pull', {
    cursor,
    channel: body.channel,
    villages: body.villages || [],
    points: body.points || [],
    alerts: body.alerts || [],
    requests: body.requests || [],
    pulled_at: Date.now(),
  });
}
