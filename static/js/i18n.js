// Words on screen: Chinese first, English on request. The choice is kept in localStorage.
// Elements carry data-i18n="key" (text), data-i18n-placeholder or data-i18n-aria-label.

const STRINGS = {
  zh: {
    app_title: '助农服务点登记簿',
    lang_switch: 'EN',
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
    err_amount_format: '金额格式不对，例如 500 或 88.50',
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
    voids: '作废',
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
    reason: '原因',
    alerts_title: '风险提示',
    storage_refused: '浏览器未授予持久存储，清理空间时记录可能被删除。请尽快同步。',
    update_available: '有新版本。未同步的记录不会丢失。',
    reload: '刷新',
    account: '账号',
    device: '设备',
    sign_out: '退出登录',
    sign_out_confirm: '还有 {n} 条记录未同步，重新登录后才能发送。确认退出？',
    point: '服务点',
    just_now: '刚刚',
    minutes_ago: '{n} 分钟前',
    hours_ago: '{n} 小时前',
    days_ago: '{n} 天前',
    api_docs: '接口文档',
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
    err_amount_format: 'Amount like 500 or 88.50',
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
    voids: 'Void',
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
    reason: 'Reason',
    alerts_title: 'Risk alerts',
    storage_refused: 'Persistent storage was refused: the browser may delete records when space runs low. Sync soon.',
    update_available: 'A new version is ready. Queued records are kept.',
    reload: 'Reload',
    account: 'Account',
    device: 'Device',
    sign_out: 'Sign out',
    sign_out_confirm: '{n} records are not synced yet; they go after you sign in again. Sign out?',
    point: 'Service point',
    just_now: 'just now',
    minutes_ago: '{n} min ago',
    hours_ago: '{n} h ago',
    days_ago: '{n} days ago',
    api_docs: 'API reference',
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
  document.title = t('app_title');
}
