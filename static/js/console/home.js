// Where a signed-in user who is not a keeper goes (loaded by the register's sign-in only
// for such users, so the keeper's shell never carries it).
//
//   supervisor, regulator, admin  -> the console at /console/ (back to `?next=` when the
//                                    console sent her to sign in again)
// Grid workers and field agents never come here: the register opens their field home
// (static/js/field.js) itself.
export const CONSOLE_ROLES = ['supervisor', 'regulator', 'admin'];
export const SESSION_KEY = 'zhunong.console.session';

export async function openHome(token, user) {
  if (CONSOLE_ROLES.includes(user.role)) {
    const session = { token: token.token, expires_at: token.expires_at, user };
    try { localStorage.setItem(SESSION_KEY, JSON.stringify(session)); } catch { return false; }
    location.assign(consoleTarget(new URLSearchParams(location.search).get('next')));
    return true;
  }
  return false;
}

/** Only a path inside the console is followed: `next` never leads off the site. */
export function consoleTarget(next) {
  return next && /^\/console\/[^/\\]*(#.*)?$/.test(next) && !next.startsWith('//') ? next : '/console/';
}
