// Words on screen: Chinese first, English on request, never both in one sentence. The
// choice is kept in localStorage. Elements carry data-i18n="key" (text),
// data-i18n-placeholder or data-i18n-aria-label. The server's messages are never shown:
// the API's stable machine codes (error codes, refusal fields, flags) are said here in
// the keeper's language.

const STRINGS = {
  zh: {
    app_title: '助农服务点登记簿',
    lang_switch: 'English',
    lang_switch_label: 'Switch to English',
    signin_title: '登录',
    signin_intro: '服务点负责人登录一次后，没有网络也能记账。',
    username: '用户名',
    password: '密码',
    signin: '登录',
    signing_in: '正在登录…',
    signin_offline: '登录需要网络，请到有信号的地方再试。',
    signin_not_keeper: '该账号不是服务点负责人，不能使用登记簿。',
    signin_reauth: '登录已过期：记录仍在本机排队，重新登录后自动发送。',
    tab_register: '登记',
    tab_today: '今日',
    tab_outbox: '同步',
    kind: '业务类型',
    kind_withdrawal: '取款',
    kind_balance_inquiry: '余额查询',
    kind_transfer: '转账',
    kind_cash_remittance: '现金汇款',
    kind_bill_payment: '代理缴费',
    amount: '金额（元）',
    card: '银行卡（前 6 位 + 后 4 位）',
    card_bin: '前 6 位',
    card_last4: '后 4 位',
    voucher_no: '凭证号 / 小票号',
    note: '备注（可不填）',
    save: '保存',
    saving: '正在保存…',
    saved: '已保存',
    gps_pending: '正在获取位置…',
    gps_ok: '已获取位置',
    gps_off: '未获取位置（不影响保存）',
    err_kind_required: '请选择业务类型',
    err_amount_required: '请输入金额',
    err_amount_format: '金额格式不对，可以写 500、88.50、1,000 或 500元',
    err_amount_positive: '金额必须大于 0',
    err_amount_too_large: '金额过大，请检查',
    err_card_bin: '请输入卡号前 6 位数字',
    err_card_last4: '请输入卡号后 4 位数字',
    err_full_card_number: '不要输入完整卡号，只填前 6 位和后 4 位',
    err_too_long: '内容太长',
    err_save_failed: '保存失败，请重试',
    today_title: '今日登记',
    totals: '今日合计',
    count_unit: '笔',
    yuan: '元',
    no_records: '今天还没有记录',
    void: '作废',
    void_confirm: '确认作废？',
    voided: '已作废',
    void_record: '作废记录',
    state_queued: '待同步',
    state_synced: '已同步',
    state_rejected: '被拒绝',
    state_conflict: '有冲突',
    flagged: '已标记',
    outbox_waiting: '{n} 条待同步，最早 {age}',
    outbox_clear: '全部已同步',
    outbox_refused: '{n} 条被拒绝，请处理',
    sync_now: '立即同步',
    syncing: '正在同步…',
    last_sync: '上次同步：{age}',
    never_synced: '尚未同步',
    sync_failed: '同步失败：{error}。记录仍在本机，稍后自动重试。',
    sync_auth: '登录已过期，请重新登录后继续同步（记录不会丢失）',
    signin_again: '重新登录',
    refused_title: '被拒绝的记录',
    refused_help: '服务器拒绝了这些记录。请核对后确认，或重新录入为新记录。',
    waiting_title: '等待发送的记录',
    acknowledge: '知道了',
    reenter: '重新录入',
    reason_line: '原因：{text}',
    alerts_title: '风险提示',
    alert_ack: '已阅读，确认',
    alert_acked: '已确认',
    storage_refused: '{n} 条记录只在这部手机上：浏览器没有允许长期保存，手机空间不足时可能被清除。请尽快同步。',
    update_available: '有新版本。未同步的记录不会丢失。',
    reload: '刷新',
    account: '账号',
    device_label: '设备：',
    sign_out: '退出登录',
    sign_out_confirm: '还有 {n} 条记录未同步，重新登录后才能发送。确认退出？',
    just_now: '刚刚',
    minutes_ago: '{n} 分钟前',
    hours_ago: '{n} 小时前',
    days_ago: '{n} 天前',
    signin_need_username: '请输入用户名',
    signin_need_password: '请输入密码',
    api_offline: '无法连接服务器',
    api_bad_credentials: '用户名或密码错误',
    api_unauthenticated: '登录已失效，请重新登录',
    api_device_revoked: '这部手机已被停用，请联系银行管理员',
    api_rate_limited: '尝试次数太多，请稍等一分钟再试',
    api_validation_error: '填写的内容不完整或格式不对',
    api_forbidden: '没有权限',
    api_not_found: '找不到该内容',
    api_too_large: '一次发送的记录太多',
    api_internal_error: '服务器出错了',
    api_error: '服务器暂时不可用',
    refused_point_id: '不是本服务点的记录，服务器不收。',
    refused_conflict: '同一条记录已用不同内容上传过，请核对后重新录入。',
    refused_card_masked: '卡号不对：只能是前 6 位和后 4 位。',
    refused_voucher_no: '凭证号不符合要求（太长或像完整卡号）。',
    refused_note: '备注不符合要求（太长或像完整卡号）。',
    refused_amount_fen: '金额不符合要求。',
    refused_occurred_at: '时间不对，请检查手机的日期和时间。',
    refused_position: '位置数据有误。',
    refused_kind: '业务类型无效。',
    refused_void_of: '作废所指的原记录有误。',
    refused_other: '记录格式有误，请重新录入。',
    flag_below_minimum: '金额低于该业务的最低金额。如果记错了，作废后重新登记；没记错就不用处理。',
    flag_not_multiple_of: '金额不是 {n} 元的整数倍。如果记错了，作废后重新登记；没记错就不用处理。',
    flag_point_suspended: '登记时本服务点处于暂停状态。请联系银行管理员。',
    flag_point_closed: '登记时本服务点已关闭。请联系银行管理员。',
    flag_far_from_point: '登记位置离服务点较远。如果是在店外办理的，不用处理，督导会核查。',
    flag_clock_skew: '手机时间比服务器快。请把手机设为自动时间。',
    flag_old_record: '这条记录 30 多天后才上传。不用处理，督导会核查。',
    flag_void_target_unknown: '作废所指的原记录服务器上没有。请核对是否作废错了。',
    flag_over_daily_cap: '这张卡今天的累计金额超过限额。不用处理，督导会核查。',
    flag_other: '督导会核查这条记录，不用处理。',
    gps_why: '开启位置后，离服务点太远的记录会被标记出来，供银行核查。位置只随记录上传。',
    gps_allow: '开启位置',
    gps_later: '暂不',
    gps_denied: '未开启位置：记录照常保存。',
    card_split: '已只保留卡号前 6 位和后 4 位，中间的数字没有保存。',
    void_of_line: '作废的是：{what}',
    voided_by: '已被 {time} 的作废记录撤销',
  },
  en: {
    app_title: 'Service Point Register',
    lang_switch: '中文',
    lang_switch_label: '切换到中文',
    signin_title: 'Sign in',
    signin_intro: 'Keepers sign in once; after that the register works without network.',
    username: 'Username',
    password: 'Password',
    signin: 'Sign in',
    signing_in: 'Signing in…',
    signin_offline: 'Signing in needs the network; try again where there is signal.',
    signin_not_keeper: 'This account is not a service-point keeper.',
    signin_reauth: 'Your sign-in expired: records stay queued on this phone and go once you sign in.',
    tab_register: 'Log',
    tab_today: 'Today',
    tab_outbox: 'Sync',
    kind: 'Type',
    kind_withdrawal: 'Withdrawal',
    kind_balance_inquiry: 'Balance inquiry',
    kind_transfer: 'Transfer',
    kind_cash_remittance: 'Cash remittance',
    kind_bill_payment: 'Bill payment',
    amount: 'Amount (yuan)',
    card: 'Card (first 6 + last 4 digits)',
    card_bin: 'First 6',
    card_last4: 'Last 4',
    voucher_no: 'Voucher / receipt no.',
    note: 'Note (optional)',
    save: 'Save',
    saving: 'Saving…',
    saved: 'Saved',
    gps_pending: 'Getting location…',
    gps_ok: 'Location recorded',
    gps_off: 'No location (saving still works)',
    err_kind_required: 'Choose a type',
    err_amount_required: 'Enter the amount',
    err_amount_format: 'Amount not understood; write it like 500, 88.50 or 1,000',
    err_amount_positive: 'Amount must be above 0',
    err_amount_too_large: 'Amount too large, please check',
    err_card_bin: 'Enter the first 6 digits of the card',
    err_card_last4: 'Enter the last 4 digits of the card',
    err_full_card_number: 'Never enter a full card number: first 6 and last 4 only',
    err_too_long: 'Too long',
    err_save_failed: 'Saving failed, please retry',
    today_title: "Today's records",
    totals: 'Totals today',
    count_unit: '',
    yuan: 'yuan',
    no_records: 'No records yet today',
    void: 'Void',
    void_confirm: 'Void it?',
    voided: 'Voided',
    void_record: 'Void record',
    state_queued: 'Waiting',
    state_synced: 'Synced',
    state_rejected: 'Refused',
    state_conflict: 'Conflict',
    flagged: 'Flagged',
    outbox_waiting: '{n} waiting, oldest {age}',
    outbox_clear: 'All synced',
    outbox_refused: '{n} refused, please check',
    sync_now: 'Sync now',
    syncing: 'Syncing…',
    last_sync: 'Last sync: {age}',
    never_synced: 'Not synced yet',
    sync_failed: 'Sync failed: {error}. Records stay on this phone; retrying later.',
    sync_auth: 'Sign-in expired: sign in again to continue syncing (no record is lost)',
    signin_again: 'Sign in again',
    refused_title: 'Refused records',
    refused_help: 'The server refused these records. Check them, then acknowledge or re-enter as a new record.',
    waiting_title: 'Records waiting to be sent',
    acknowledge: 'Acknowledge',
    reenter: 'Re-enter',
    reason_line: 'Reason: {text}',
    alerts_title: 'Risk alerts',
    alert_ack: 'Read: acknowledge',
    alert_acked: 'Acknowledged',
    storage_refused: '{n} records are only on this phone: the browser did not grant lasting storage and may delete them when space runs low. Sync soon.',
    update_available: 'A new version is ready. Queued records are kept.',
    reload: 'Reload',
    account: 'Account',
    device_label: 'Device: ',
    sign_out: 'Sign out',
    sign_out_confirm: '{n} records are not synced yet; they go after you sign in again. Sign out?',
    just_now: 'just now',
    minutes_ago: '{n} min ago',
    hours_ago: '{n} h ago',
    days_ago: '{n} days ago',
    signin_need_username: 'Enter your username',
    signin_need_password: 'Enter your password',
    api_offline: 'Cannot reach the server',
    api_bad_credentials: 'Wrong username or password',
    api_unauthenticated: 'Your sign-in has ended; sign in again',
    api_device_revoked: 'This phone has been blocked; call your bank supervisor',
    api_rate_limited: 'Too many tries; wait a minute and try again',
    api_validation_error: 'Something is missing or in the wrong format',
    api_forbidden: 'Not allowed',
    api_not_found: 'Not found',
    api_too_large: 'Too many records in one go',
    api_internal_error: 'The server had a problem',
    api_error: 'The server is not available just now',
    refused_point_id: 'Not a record of your service point; the server does not take it.',
    refused_conflict: 'This record was already sent with different content; check it and re-enter it.',
    refused_card_masked: 'Wrong card number: first 6 and last 4 digits only.',
    refused_voucher_no: 'Voucher number not accepted (too long, or looks like a card number).',
    refused_note: 'Note not accepted (too long, or looks like a card number).',
    refused_amount_fen: 'Amount not accepted.',
    refused_occurred_at: 'Wrong time: check the date and time on this phone.',
    refused_position: 'Bad location data.',
    refused_kind: 'Unknown transaction type.',
    refused_void_of: 'The record this void cancels is wrong.',
    refused_other: 'The record is malformed; re-enter it.',
    flag_below_minimum: 'Amount below the minimum for this type. If it was a mistake, void it and log it again; if not, nothing to do.',
    flag_not_multiple_of: 'Amount is not a multiple of {n} yuan. If it was a mistake, void it and log it again; if not, nothing to do.',
    flag_point_suspended: 'Your service point was suspended at the time. Call your bank supervisor.',
    flag_point_closed: 'Your service point was closed at the time. Call your bank supervisor.',
    flag_far_from_point: 'Logged far from your service point. If you served the customer elsewhere, nothing to do; a supervisor will check.',
    flag_clock_skew: 'This phone\'s clock is ahead of the server. Set the phone to automatic time.',
    flag_old_record: 'Sent more than 30 days after it happened. Nothing to do; a supervisor will check.',
    flag_void_target_unknown: 'The server does not have the record this void cancels. Check that you voided the right one.',
    flag_over_daily_cap: 'This card is over its daily limit. Nothing to do; a supervisor will check.',
    flag_other: 'A supervisor will check this record; nothing to do.',
    gps_why: 'With location on, records logged far from your service point are flagged for the bank to check. The location only goes with your records.',
    gps_allow: 'Turn on location',
    gps_later: 'Not now',
    gps_denied: 'Location is off: records still save.',
    card_split: 'Only the first 6 and last 4 digits were kept; the middle digits were dropped.',
    void_of_line: 'Cancels: {what}',
    voided_by: 'Cancelled by the void at {time}',
  },
};

const KEY = 'zhunong.lang';
let lang = readLang();

function readLang() {
  try { return localStorage.getItem(KEY) === 'en' ? 'en' : 'zh'; } catch { return 'zh'; }
}

export function currentLang() { return lang; }

export function setLang(next) {
  lang = next === 'en' ? 'en' : 'zh';
  try { localStorage.setItem(KEY, lang); } catch { /* private mode: this visit only */ }
  applyTo(document);
}

/** Translate `key`, filling {name} placeholders from `vars`. */
export function t(key, vars = {}) {
  const text = STRINGS[lang][key] ?? STRINGS.zh[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ''));
}

/** "2 小时前" for an instant in the past. */
export function age(ms, now = Date.now()) {
  const minutes = Math.floor((now - ms) / 60000);
  if (minutes < 1) return t('just_now');
  if (minutes < 60) return t('minutes_ago', { n: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return t('hours_ago', { n: hours });
  return t('days_ago', { n: Math.floor(hours / 24) });
}

export function applyTo(root) {
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll('[data-i18n-aria-label]')) el.setAttribute('aria-label', t(el.dataset.i18nAriaLabel));
  // The language switch is written in the language it switches to, so a reader of only that
  // language finds it; its lang attribute says so (screen readers, and the one-language test).
  for (const el of root.querySelectorAll('[data-i18n-other-lang]')) el.lang = lang === 'en' ? 'zh-CN' : 'en';
  document.title = t('app_title');
}

/** An API failure (ApiError, or the code a failed sync kept) in the keeper's language:
 *  the server's own message is never shown, only its machine code translated. */
export function errorText(errOrCode) {
  return t(errorKey(errOrCode));
}

/** The string key errorText uses (for elements redrawn on a switch of language). */
export function errorKey(errOrCode) {
  const code = typeof errOrCode === 'string' ? errOrCode : errOrCode && errOrCode.code;
  return `api_${code}` in STRINGS.zh ? `api_${code}` : 'api_error';
}

/** The field a server's refusal names ("data.voucher_no: …" → "voucher_no"). */
export function refusedField(reason) {
  return String(reason || '').split(':')[0].trim().replace(/^data\./, '');
}

/** A refused record's reason ("data.voucher_no: …" from the server, or its status) in words:
 *  the field before the colon is the stable part, the server's sentence is not shown. */
export function refusalText(state, reason) {
  if (state === 'conflict') return t('refused_conflict');
  const field = refusedField(reason);
  const key = { lon: 'position', lat: 'position' }[field] || field;
  return `refused_${key}` in STRINGS[lang] ? t(`refused_${key}`) : t('refused_other');
}

/** A server flag (e.g. "not_multiple_of_10") as a sentence: what it means and what to do. */
export function flagText(flag) {
  const multiple = /^not_multiple_of_(\d+(?:\.\d+)?)$/.exec(flag);
  if (multiple) return t('flag_not_multiple_of', { n: multiple[1] });
  return `flag_${flag}` in STRINGS[lang] ? t(`flag_${flag}`) : t('flag_other');
}
