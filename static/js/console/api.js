// The console's calls to /api/v1 with the signed-in user's token. A 401 means the session
// has expired or was revoked: she signs in again and comes back to the same page.
import { SESSION_KEY } from './home.js';

export class ApiError extends Error {
  constructor(status, message, body = null) {
    super(message);
    this.status = status; // 0: no connection
    this.fields = (body && body.error && body.error.fields) || {};
  }
}

export function session() {
  try { return JSON.parse(localStorage.getItem(SESSION_KEY)); } catch { return null; }
}

export function endSession() {
  try { localStorage.removeItem(SESSION_KEY); } catch { /* nothing kept */ }
}

export function signInAgain() {
  endSession();
  const next = location.pathname + location.hash;
  location.assign(`/?next=${encodeURIComponent(next)}`);
}

export async function call(method, path, { json, form, query } = {}) {
  const s = session();
  if (!s) { signInAgain(); throw new ApiError(401, 'signed out'); }
  const headers = { Accept: 'application/json', Authorization: `Bearer ${s.token}` };
  let body;
  if (json !== undefined) { headers['Content-Type'] = 'application/json'; body = JSON.stringify(json); }
  if (form) body = form;
  let url = `/api/v1${path}`;
  if (query) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== '' && v !== null && v !== undefined) params.set(k, v);
    const qs = params.toString();
    if (qs) url += `?${qs}`;
  }
  let response;
  try {
    response = await fetch(url, { method, headers, body, cache: 'no-store', signal: AbortSignal.timeout(60000) });
  } catch {
    throw new ApiError(0, '无法连接服务器 Server unreachable');
  }
  let data = null;
  try { data = await response.json(); } catch { /* empty body */ }
  if (response.status === 401) { signInAgain(); throw new ApiError(401, 'signed out', data); }
  if (!response.ok) {
    throw new ApiError(response.status, (data && data.error && data.error.message) || `HTTP ${response.status}`, data);
  }
  return data;
}

export const get = (path, query) => call('GET', path, { query });
export const post = (path, json) => call('POST', path, { json });
export const patch = (path, json) => call('PATCH', path, { json });
