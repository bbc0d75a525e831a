// Calls to the server's JSON API. Every failure becomes an ApiError so callers can tell
// "the server said no" (status >= 400, with its code) from "no server" (status 0).
//
// The error's message is the API's stable machine code (error.code of the JSON error
// shape, or "offline"), not the server's sentence: the page says it in the keeper's
// language (i18n.errorText), and a failed sync keeps only the code.

export class ApiError extends Error {
  constructor(status, code, body = null, retryAfterMs = 0) {
    super(code);
    this.status = status; // 0 = network down or server unreachable
    this.code = code;
    this.body = body;
    this.fields = (body && body.error && body.error.fields) || null;
    // 503 (database restarting) and 429 say when to come back (Retry-After, seconds).
    this.retryAfterMs = retryAfterMs;
  }
  get offline() { return this.status === 0; }
}

const TIMEOUT_MS = 20000; // a slow village network, but never a request hanging forever

async function call(method, path, { token, json } = {}) {
  const headers = { Accept: 'application/json' };
  if (json !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: json === undefined ? undefined : JSON.stringify(json),
      cache: 'no-store',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    throw new ApiError(0, 'offline');
  }
  let body = null;
  try { body = await response.json(); } catch { /* an empty or non-JSON body */ }
  if (!response.ok) {
    // A proxy's HTML error page has no code: "error" is translated as "server not available".
    const code = (body && body.error && body.error.code) || 'error';
    throw new ApiError(response.status, code, body, retryAfterMs(response));
  }
  return body;
}

/** Retry-After in milliseconds (delay-seconds form; an HTTP date is not used by this
 *  server), 0 when absent. */
function retryAfterMs(response) {
  const seconds = Number.parseInt(response.headers.get('Retry-After') || '', 10);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 0;
}

export const login = (username, password, deviceId) =>
  call('POST', '/api/v1/auth/login', {
    json: { username, password, device_id: deviceId, device_label: navigator.userAgent.slice(0, 100) },
  });

export const me = (token) => call('GET', '/api/v1/auth/me', { token });

export const logout = (token) => call('POST', '/api/v1/auth/logout', { token });

export const push = (token, deviceId, records) =>
  call('POST', '/api/v1/sync/push', { token, json: { device_id: deviceId, records } });

/** A field worker's pull: her villages, points, alerts, open requests and own records. */
export const fieldPull = (token, cursor) =>
  call('GET', `/api/v1/field/pull?cursor=${encodeURIComponent(cursor)}`, { token });

export const pull = (token, cursor) =>
  call('GET', `/api/v1/sync/pull${cursor != null ? `?cursor=${encodeURIComponent(cursor)}` : ''}`, { token });
