// The keeper's register: start-up, sign-in, navigation, sync triggers.
//
// Sync runs on start-up, on the `online` event, every 60 s while the app is open, after
// each save, on the 立即同步 button, and through Background Sync in the service worker.
// After a failed request the automatic triggers wait (10 s doubling to 5 min); the button
// and `online` do not.
import * as api from './api.js';
import { currentLang, errorKey, setLang, t } from './i18n.js';
import { buildVoid, isoWithOffset, shanghaiDay } from './ledger.js';
import { isFieldUser } from './roles.js';
import { freshPosition, initRegister, locate, offerLocation, prefill, say } from './register.js';
import {
  askPersistentStorage, checkForUpdate, registerServiceWorker, requestBackgroundSync,
} from './shell.js';
import * as store from './store.js';
import { CHANNEL, backoffMs, syncNow } from './sync.js';
import { render, showView } from './views.js';

const TICK_MS = 60_000;
const KEEP_SYNCED_DAYS = 35; // synced records older than this are only on the server
const VIEWS = ['register', 'today', 'outbox'];

const app = { session: null, persisted: null, syncing: false, again: false, retryTimer: null, deviceId: null };

async function boot() {
  setLang(currentLang()); // draws every data-i18n text in the chosen language
  document.getElementById('lang').addEventListener('click', () => {
    say(document.getElementById('save-status'), null); // a confirmation in the old language
    setLang(currentLang() === 'zh' ? 'en' : 'zh');
    refresh();
  });
  afterPaint(registerServiceWorker);
  app.deviceId = await store.deviceId();
  app.session = (await store.getSetting('session')) || null;
  initRegister({ getContext: () => ({ session: app.session }), onSaved: afterSave });
  wire();
  if (!app.session) {
    showView('signin');
    return;
  }
  if (isFieldUser(app.session.user)) { openField(); return; }
  openApp({ signedInNow: false });
  afterPaint(() => store.pruneSynced(Date.now() - KEEP_SYNCED_DAYS * 86_400_000).catch(() => {}));
}

/** Run `fn` once the screen she is waiting for has been painted: start-up chores (the first
 *  sync, the service worker, pruning) then never hold up the first screen on a slow phone. */
function afterPaint(fn) {
  requestAnimationFrame(() => setTimeout(fn, 0));
}

/** Grid workers and mobile team members get their own home (static/js/field.js), loaded
 *  only for them: a keeper's phone never parses it. */
async function openField() {
  const { startField } = await import('./field.js');
  startField(app.session, app.deviceId, { onSignOut });
}

/** Signed in (or signed in before, and the token may have expired): the register works.
 *  Location is offered only now, never on the sign-in screen. */
async function openApp({ signedInNow }) {
  await refresh(); // drawn before it shows: nothing moves under her thumb as it fills in
  showView(currentView());
  offerLocation({ signedInNow });
  afterPaint(() => {
    askPersistentStorage().then((granted) => { app.persisted = granted; refresh(); });
    triggerSync({ force: true });
  });
}

function currentView() {
  const name = location.hash.slice(1);
  return VIEWS.includes(name) ? name : 'register';
}

function wire() {
  window.addEventListener('hashchange', () => {
    if (!app.session || isFieldUser(app.session.user)) return;
    refresh().then(() => showView(currentView())); // its lists are drawn before it shows
  });
  window.addEventListener('online', () => triggerSync({ force: true }));
  // Back in the foreground (she switched apps or woke the phone): try at once.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') triggerSync();
  });
  setInterval(() => {
    if (!app.session) return;
    triggerSync();
    checkForUpdate();
    refresh(); // the ages in the banner move on
  }, TICK_MS);
  try {
    new BroadcastChannel(CHANNEL).onmessage = async (e) => {
      if (e.data && e.data.type === 'session') app.session = await store.getSetting('session');
      refresh();
    };
  } catch { /* the timer refreshes instead */ }
  document.getElementById('signin-form').addEventListener('submit', onSignIn);
  document.getElementById('sign-out').addEventListener('click', onSignOut);
  document.addEventListener('click', onAction);
}

async function onSignIn(e) {
  e.preventDefault();
  const form = e.target;
  const error = document.getElementById('signin-error');
  const button = form.querySelector('button[type=submit]');
  say(error, null);
  // Checked here, so an empty field is named in her language without a round trip.
  if (!form.username.value.trim()) { say(error, 'signin_need_username'); form.username.focus(); return; }
  if (!form.password.value) { say(error, 'signin_need_password'); form.password.focus(); return; }
  button.disabled = true;
  button.textContent = t('signing_in');
  try {
    const token = await api.login(form.username.value.trim(), form.password.value, app.deviceId);
    const user = await api.me(token.token);
    const field = isFieldUser(user);
    if (!field && (user.role !== 'keeper' || !user.point_id)) {
      if (await (await import('./console/home.js')).openHome(token, user)) return; // the console
      say(error, 'signin_not_keeper');
      return;
    }
    const previous = await store.getSetting('session');
    if (previous && previous.user && previous.user.id !== user.id) await store.deleteSetting('pull');
    app.session = { token: token.token, expires_at: token.expires_at, user, signed_in_at: Date.now() };
    await store.setSetting('session', app.session);
    form.password.value = '';
    document.getElementById('signin-reauth').hidden = true;
    if (field) { openField(); return; }
    location.hash = 'register';
    openApp({ signedInNow: true });
  } catch (err) {
    // On the sign-in request any 401 means the name or password is wrong.
    if (err.offline) say(error, 'signin_offline');
    else if (err.status === 401 && err.code !== 'device_revoked') say(error, 'api_bad_credentials');
    else say(error, errorKey(err));
  } finally {
    button.disabled = false;
    button.textContent = t('signin');
  }
}

async function onSignOut() {
  const { waiting } = await store.outboxSummary(app.session && app.session.user.id);
  if (waiting && !window.confirm(t('sign_out_confirm', { n: waiting }))) return;
  const token = app.session && app.session.token;
  await store.deleteSetting('session');
  app.session = null;
  if (token) api.logout(token).catch(() => { /* offline: the token simply expires */ });
  showView('signin');
}

/** Buttons inside rendered lists and banners. */
async function onAction(e) {
  const button = e.target.closest('[data-action]');
  if (!button) return;
  const id = button.closest('[data-id]')?.dataset.id;
  switch (button.dataset.action) {
    case 'sync': return triggerSync({ force: true });
    case 'reauth': return reauth();
    case 'void': return confirmVoid(button, id);
    case 'ack': await store.acknowledge(id); return refresh();
    case 'ack-alert': return acknowledgeAlert(button);
    case 'reenter': return reenter(id);
    default: return undefined;
  }
}

/** 已阅读，确认: saved on the phone first (the badge shows once it is), then sent with the
 *  next sync, or by Background Sync with the app closed. */
async function acknowledgeAlert(button) {
  const alertId = Number(button.closest('[data-alert-id]')?.dataset.alertId);
  if (!app.session || !alertId) return;
  button.disabled = true; // one tap, one acknowledgement
  await store.acknowledgeAlert(app.session.user.id, alertId, isoWithOffset());
  await afterSave();
}

function reauth() {
  const form = document.getElementById('signin-form');
  form.username.value = app.session ? app.session.user.username : '';
  document.getElementById('signin-reauth').hidden = false;
  showView('signin');
  form.password.focus();
}

/** First tap arms the button, a second tap within 4 s voids: one stray tap never voids. */
async function confirmVoid(button, id) {
  if (!button.classList.contains('armed')) {
    button.classList.add('armed');
    button.textContent = t('void_confirm');
    setTimeout(() => { button.classList.remove('armed'); button.textContent = t('void'); }, 4000);
    return;
  }
  const original = await store.getEntry(id);
  if (!original) return;
  const entry = {
    id: crypto.randomUUID(),
    user_id: app.session.user.id,
    saved_at: Date.now(),
    data: buildVoid(original, { position: freshPosition() }),
  };
  await store.addEntry(entry);
  afterSave(entry);
}

async function reenter(id) {
  const [entry] = (await store.entriesInState('rejected', 'conflict')).filter((r) => r.id === id);
  if (!entry) return;
  prefill(entry);
  await store.acknowledge(id);
  location.hash = 'register';
  showView('register');
  locate();
  refresh();
}

/** Resolves once the counts are redrawn with the new record (the register says 已保存 only then). */
function afterSave() {
  requestBackgroundSync();
  triggerSync();
  return refresh();
}

/** Run a sync unless the last one failed recently (then wait for the retry timer);
 *  `force` (button, `online`, start-up) ignores the wait. */
async function triggerSync({ force = false } = {}) {
  if (!app.session || isFieldUser(app.session.user)) return; // field.js syncs her records
  if (app.syncing) { app.again = true; return; }
  const last = await store.getSetting('sync_status');
  if (!force && last && last.status === 'failed' && Date.now() < last.at + backoffMs(last.failures, last.retry_after_ms)) {
    scheduleRetry(last);
    return;
  }
  app.syncing = true;
  refresh();
  try {
    const result = await syncNow();
    if (result.status === 'auth') app.session = await store.getSetting('session');
    if (result.status === 'failed') {
      scheduleRetry(await store.getSetting('sync_status'));
      requestBackgroundSync();
    }
  } finally {
    app.syncing = false;
    await refresh();
    if (app.again) { app.again = false; triggerSync(); }
  }
}

function scheduleRetry(status) {
  clearTimeout(app.retryTimer);
  const wait = Math.max(1000, status.at + backoffMs(status.failures, status.retry_after_ms) - Date.now());
  app.retryTimer = setTimeout(() => triggerSync(), wait);
}

/** Redraw from local state. Calls that come while a redraw runs (start-up brings several:
 *  the sync's start and end, its broadcasts, the storage answer) share one more redraw
 *  after it, so a cheap phone lays the page out once, not five times. */
let drawing = null;
let drawAgain = false;
function refresh() {
  if (drawing) { drawAgain = true; return drawing; }
  drawing = (async () => {
    try {
      do { drawAgain = false; await draw(); } while (drawAgain);
    } finally {
      drawing = null;
    }
  })();
  return drawing;
}

/** An acknowledgement waiting for the network waits like a record: the banner counts
 *  it, so 全部已同步 is never said while something of hers is still on the phone only. */
function withQueuedAcks(outbox, alertAcks) {
  const queued = [...alertAcks.values()].filter((a) => a.state === 'queued');
  if (!queued.length) return outbox;
  const since = Math.min(...queued.map((a) => a.since));
  return {
    ...outbox,
    waiting: outbox.waiting + queued.length,
    oldest: outbox.oldest == null ? since : Math.min(outbox.oldest, since),
  };
}

/** Gather the snapshot the views draw. */
async function draw() {
  if (!app.session || isFieldUser(app.session.user)) return;
  const now = Date.now();
  const userId = app.session.user.id;
  const today = shanghaiDay(now);
  const recent = await store.entriesSince(now - 36 * 3_600_000);
  const [outbox, waiting, refused, pull, syncStatus, alertAcks] = await Promise.all([
    store.outboxSummary(userId),
    store.queuedEntries(userId),
    store.entriesInState('rejected', 'conflict'),
    store.getSetting('pull'),
    store.getSetting('sync_status'),
    store.alertAcks(userId),
  ]);
  render({
    view: currentView(),
    now,
    session: app.session,
    deviceId: app.deviceId,
    persisted: app.persisted,
    syncing: app.syncing,
    syncStatus,
    pull,
    alertAcks,
    outbox: withQueuedAcks(outbox, alertAcks),
    today: recent.filter((r) => r.user_id === userId && shanghaiDay(r.saved_at) === today),
    waiting: waiting.map((e) => ({ ...e, sync: { state: 'queued' } })),
    refused: refused.filter((r) => !r.sync.acknowledged && r.user_id === userId),
  });
}

boot();
