// The service-centre console: one page per job (intake, requests, the
// dispatch board, an engineer's tasks, stock, settlement, statistics,
// audit), shown by the role of the signed-in token (GET /v1/me). Every datum
// comes from the public API with the user's token; the server's access
// policy decides what it may see, the console only hides what it may not do.
//
// Pages are functions page(root, param) → optional refresh(); the console
// calls refresh every few seconds while the tab is visible (live updates by
// polling; reads after the user's own commands carry X-Min-Position).
import { Api, ApiError, q } from './api.js';
import { t, lang, setLang, statusName } from './i18n.js';
import { h, field, select, badge, time, money, say, sayError, act, table, empty, explain } from './ui.js';
import { boardPage } from './board.js';
import { tasksPage } from './tasks.js';
import { recordsPage } from './records.js';

const S = { api: null, me: null, refresh: null, timer: null, page: null };
window.aftercare = S;  // for the browser tests' timing probes and the curious

const STAFF = ['agent', 'dispatcher', 'manager', 'auditor', 'admin', 'warehouse'];
const PAGES = [
  { id: 'intake', roles: ['agent', 'manager', 'admin'], render: intakePage },
  { id: 'requests', roles: ['agent', 'dispatcher', 'manager', 'auditor', 'admin'], render: requestsPage },
  { id: 'board', roles: ['dispatcher', 'manager', 'admin'], render: (root, p) => boardPage(S, root, p) },
  { id: 'tasks', roles: ['engineer'], render: (root, p) => tasksPage(S, root, p) },
  { id: 'stock', roles: ['warehouse', 'dispatcher', 'manager', 'auditor', 'admin', 'engineer'], render: stockPage },
  { id: 'settlement', roles: ['manager', 'auditor', 'admin'], render: settlementPage },
  { id: 'stats', roles: STAFF, render: statsPage },
  { id: 'audit', roles: ['manager', 'auditor', 'admin'], render: auditPage },
  { id: 'records', roles: STAFF, render: (root, p) => recordsPage(S, root, p) },
];
const HIDDEN_PAGES = [{ id: 'request', roles: [...STAFF, 'engineer'], render: requestPage }];

const main = () => document.getElementById('main');

// ---- sign-in and the frame -------------------------------------------------

async function signIn(token) {
  const api = new Api(token);
  const me = await api.get('/v1/me');
  if (me.role === 'customer') throw new ApiError(403, { detail: t('signin.customer') });
  S.api = api;
  S.me = me;
  sessionStorage.setItem('aftercare.token', token);
  frame();
  route();
}

function signOut() {
  sessionStorage.removeItem('aftercare.token');
  S.api = S.me = null;
  location.hash = '';
  frame();
  signInPage();
}

function frame() {
  document.documentElement.lang = lang() === 'zh' ? 'zh-CN' : 'en';
  document.title = t('app.title');
  const nav = document.getElementById('nav');
  nav.replaceChildren();
  document.getElementById('who').textContent = S.me ? `${S.me.actor} · ${t(`role.${S.me.role}`)}` : '';
  document.getElementById('signout').hidden = !S.me;
  document.getElementById('signout').textContent = t('signout');
  document.getElementById('lang').textContent = lang() === 'zh' ? 'English' : '中文';
  document.getElementById('lang').lang = lang() === 'zh' ? 'en' : 'zh';
  document.querySelector('.skip').textContent = t('skip');
  if (!S.me) return;
  for (const p of PAGES.filter((x) => x.roles.includes(S.me.role)))
    nav.append(h('a', { href: `#/${p.id}`, 'data-page': p.id }, t(`nav.${p.id}`)));
}

function signInPage() {
  const input = h('input', { type: 'password', name: 'token', autocomplete: 'current-password', required: true });
  const form = h('form', { class: 'card narrow', 'aria-labelledby': 'signin-h' },
    h('h1', { id: 'signin-h' }, t('signin.title')),
    h('p', {}, t('signin.help')),
    field(t('signin.token'), input),
    h('button', { type: 'submit' }, t('signin.go')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    markOnce('aftercare:signin-submitted');
    await act(form.querySelector('button'), () => signIn(input.value.trim()));
  });
  main().replaceChildren(form);
  input.focus();
  markOnce('aftercare:signin-ready');
}

// When the first screen a user can act on was drawn (read by the browser test and the bench).
function markOnce(name) {
  if (!performance.getEntriesByName(name).length) performance.mark(name);
}

let generation = 0;  // a page that finishes loading after the user moved on must not take over

function route() {
  if (!S.me) return signInPage();
  const mine = ++generation;
  clearInterval(S.timer);
  S.refresh = null;
  say('');
  const [, id = '', param = ''] = location.hash.match(/^#\/([^/?]*)\/?([^?]*)/) || [];
  const allowed = PAGES.filter((p) => p.roles.includes(S.me.role));
  const page = [...PAGES, ...HIDDEN_PAGES].find((p) => p.id === id && p.roles.includes(S.me.role)) || allowed[0];
  S.page = page.id;
  for (const a of document.querySelectorAll('#nav a')) a.setAttribute('aria-current', a.dataset.page === page.id ? 'page' : 'false');
  const root = h('section', { 'aria-labelledby': 'page-h' });
  main().replaceChildren(root);
  Promise.resolve(page.render(root, decodeURIComponent(param), new URLSearchParams(location.hash.split('?')[1] || '')))
    .then((refresh) => {
      markOnce('aftercare:page-ready');
      if (typeof refresh !== 'function' || mine !== generation) return;
      S.refresh = refresh;
      S.timer = setInterval(() => { if (!document.hidden && S.refresh) S.refresh().catch(() => {}); }, 3000);
    })
    .catch(sayError);
}

// ---- intake: the screen pop ------------------------------------------------

async function intakePage(root, _param, query) {
  const by = select('by', [['phone', t('intake.phone')], ['serial', t('intake.serial')], ['customer_id', t('intake.customer')]], 'phone');
  const value = h('input', { name: 'value', required: true, autocomplete: 'off', inputmode: 'search' });
  const results = h('div', { id: 'matches' });
  const detail = h('div', { id: 'caller' });
  const form = h('form', { class: 'card row', role: 'search' }, field(t('intake.by'), by), field(t('intake.value'), value),
    h('button', { type: 'submit' }, t('intake.find')));
  root.append(h('h1', { id: 'page-h' }, t('nav.intake')), form, results, detail);
  const find = async () => {
    const found = await S.api.get(`/v1/lookup?${by.value}=${q(value.value.trim())}`);
    results.replaceChildren();
    detail.replaceChildren();
    if (!found.items.length) return results.append(empty(t('intake.nomatch')));
    if (found.items.length === 1) return showCaller(detail, found.items[0].customer.id);
    results.append(table([t('customer'), t('phone'), t('region'), t('units'), ''], found.items.map((m) =>
      h('tr', {}, h('td', {}, m.customer.name), h('td', {}, m.customer.phone || ''), h('td', {}, m.customer.region),
        h('td', {}, m.units.length),
        h('td', {}, h('button', { type: 'button', onclick: (e) => act(e.currentTarget, () => showCaller(detail, m.customer.id)) }, t('intake.choose')))))));
  };
  form.addEventListener('submit', (e) => { e.preventDefault(); act(form.querySelector('button'), find); });
  // A telephony integration pops the screen with #/intake?phone=<caller id>.
  for (const k of ['phone', 'serial', 'customer_id'])
    if (query.get(k)) { by.value = k; value.value = query.get(k); await act(form.querySelector('button'), find); }
  value.focus();
}

async function showCaller(box, customerId) {
  const hist = await S.api.get(`/v1/customers/${q(customerId)}/history`);
  const c = hist.customer;
  const unit = select('serial_no', [['', t('intake.nounit')], ...hist.units.map((u) => [u.id, `${u.id} · ${u.product_model || ''}`])],
    hist.units[0] ? hist.units[0].id : '');
  const type = select('type', ['repair', 'installation', 'consultation', 'complaint', 'purchase'].map((x) => [x, t(`type.${x}`)]), 'repair');
  const channel = select('channel', ['phone', 'web', 'email', 'fax', 'sms', 'walk_in'].map((x) => [x, t(`channel.${x}`)]), 'phone');
  const priority = select('priority', ['low', 'normal', 'high', 'urgent'].map((x) => [x, t(`priority.${x}`)]), 'normal');
  const code = h('input', { name: 'problem_code', maxlength: 256 });
  const desc = h('textarea', { name: 'description', rows: 3, maxlength: 8192 });
  const open = h('form', { class: 'card', 'aria-label': t('intake.open') }, h('h2', {}, t('intake.open')),
    h('div', { class: 'row' }, field(t('unit'), unit), field(t('type'), type), field(t('channel'), channel), field(t('priority'), priority)),
    field(t('problem_code'), code), field(t('description'), desc), h('button', { type: 'submit' }, t('intake.open')));
  const key = crypto.randomUUID();  // one per form: a double click or a retry opens one request
  open.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { customer_id: c.id, channel: channel.value, type: type.value, priority: priority.value };
    if (unit.value) body.serial_no = unit.value;
    if (code.value.trim()) body.problem_code = code.value.trim();
    if (desc.value.trim()) body.description = desc.value.trim();
    const r = await act(open.querySelector('button'), () => S.api.post('/v1/requests', body, { key }), t('intake.opened'));
    if (r) location.hash = `#/request/${r.id}`;
  });
  const portal = h('button', { type: 'button', class: 'secondary' }, t('portal.issue'));
  const portalOut = h('output', { class: 'token' });
  portal.addEventListener('click', async () => {
    const r = await act(portal, () => S.api.post(`/v1/customers/${q(c.id)}/portal-token`, { days: 30 }));
    if (r) portalOut.textContent = `${t('portal.token')}: ${r.token} (${t('until')} ${new Date(r.expires_at).toLocaleDateString()})`;
  });
  box.replaceChildren(
    h('div', { class: 'card' }, h('h2', {}, c.name, ' ', h('small', {}, c.id)),
      h('p', {}, `${t('phone')}: ${c.phone || '—'} · ${t('region')}: ${c.region} · ${t('open_requests')}: ${hist.open_requests}`),
      h('h3', {}, t('units')),
      hist.units.length ? h('ul', {}, hist.units.map((u) => h('li', {}, `${u.id} · ${u.product_model || ''}${u.installed_at ? ` · ${t('installed')} ${u.installed_at.slice(0, 10)}` : ''}`))) : empty(),
      h('h3', {}, t('history')), requestTable(hist.requests), h('div', { class: 'row' }, portal, portalOut)),
    open);
}

// ---- requests ---------------------------------------------------------------

function requestTable(items) {
  if (!items.length) return empty();
  return table([t('request'), t('status'), t('type'), t('customer'), t('unit'), t('engineer'), t('updated')], items.map((r) =>
    h('tr', { 'data-id': r.id }, h('td', {}, h('a', { href: `#/request/${r.id}` }, r.id)), h('td', {}, badge(r.status)),
      h('td', {}, t(`type.${r.type}`)), h('td', {}, r.customer_id), h('td', {}, r.serial_no || r.product_model || ''),
      h('td', {}, r.engineer_id || ''), h('td', {}, time(r.updated_at)))));
}

async function requestsPage(root, _p, query) {
  const status = select('status', [['', t('all')], ...['awaiting_assignment', 'assigned', 'suspended', 'locked', 'processed', 'closed', 'cancelled']
    .map((s) => [s, statusName(s)])], query.get('status') || '');
  const list = h('div');
  const first = h('button', { type: 'button', class: 'secondary' }, t('page.first'));
  const next = h('button', { type: 'button', class: 'secondary' }, t('page.next'));
  // The agent's daily list: every customer is called back once their request is processed.
  const callbacks = h('a', { href: '#/requests?status=processed', class: 'quick' }, t('requests.callbacks_due'));
  const locked = h('a', { href: '#/requests?status=locked', class: 'quick' }, t('requests.locked'));
  root.append(h('h1', { id: 'page-h' }, t('nav.requests')), h('div', { class: 'card row' }, field(t('status'), status), callbacks, locked), list,
    h('div', { class: 'row' }, first, next));
  let cursor = null;  // the page shown starts after it (null: the newest)
  let following = null;
  const load = async () => {
    const page = await S.api.get(`/v1/requests?limit=50${status.value ? `&status=${status.value}` : ''}${cursor ? `&cursor=${q(cursor)}` : ''}`);
    list.replaceChildren(requestTable(page.items));
    following = page.next_cursor;
    next.disabled = !following;
    first.disabled = !cursor;
  };
  status.addEventListener('change', () => { cursor = null; load().catch(sayError); });
  next.addEventListener('click', () => { cursor = following; act(next, load); });
  first.addEventListener('click', () => { cursor = null; act(first, load); });
  await load();
  return load;
}

const ACTIONS = {
  // status → [action, roles that may take it, fields]
  awaiting_assignment: ['dispatch', 'assign', 'suspend', 'resolve-remotely', 'cancel'],
  assigned: ['suspend', 'cancel'],
  suspended: ['resume', 'cancel'],
  processed: ['callback', 'cancel'],
  locked: ['unlock', 'cancel'],
};
const MAY = {
  dispatch: ['dispatcher'], assign: ['dispatcher'], suspend: ['agent', 'dispatcher'], resume: ['agent', 'dispatcher'],
  'resolve-remotely': ['agent'], callback: ['agent'], cancel: ['agent'], unlock: [],
};
const mayAct = (role, action) => role === 'manager' || role === 'admin' || (MAY[action] || []).includes(role);

function actionForm(r, etag, action, reload) {
  const controls = [];
  const body = {};
  const text = (name, label, required) => {
    const el = h('input', { name, required, maxlength: 256 });
    controls.push(field(label, el));
    return () => { if (el.value.trim()) body[name] = el.value.trim(); };
  };
  const collect = [];
  if (action === 'suspend' || action === 'cancel') collect.push(text('reason', t('reason'), true));
  if (action === 'assign') collect.push(text('engineer_id', t('engineer'), true));
  if (action === 'resolve-remotely') collect.push(text('notes', t('notes')));
  if (action === 'unlock') {
    const d = select('decision', [['reassign', t('unlock.reassign')], ['close', t('unlock.close')]], 'reassign');
    controls.push(field(t('decision'), d));
    collect.push(() => { body.decision = d.value; });
  }
  if (action === 'callback') {
    const sat = select('satisfied', [['true', t('yes')], ['false', t('no')]], 'true');
    controls.push(field(t('callback.satisfied'), sat));
    // The five scores of a callback (1..5), all or none: the API takes them together.
    const scores = ['attitude', 'skill', 'timeliness', 'resolution', 'parts_lead_time'].map((k) => {
      const el = select(k, [5, 4, 3, 2, 1].map((n) => [String(n), String(n)]), '5');
      controls.push(field(t(`score.${k}`), el));
      return [k, el];
    });
    const comment = h('input', { name: 'comment', maxlength: 8192 });
    controls.push(field(t('comment'), comment));
    collect.push(() => {
      body.satisfied = sat.value === 'true';
      body.scores = Object.fromEntries(scores.map(([k, el]) => [k, Number(el.value)]));
      if (comment.value.trim()) body.comment = comment.value.trim();
    });
  }
  const button = h('button', { type: 'submit' }, t(`action.${action}`));
  const form = h('form', { class: 'action', 'data-action': action }, h('div', { class: 'row' }, controls), button);
  const key = crypto.randomUUID();
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    collect.forEach((f) => f());
    const path = `/v1/requests/${q(r.id)}/${action}`;
    // The view's ETag: acting on a request someone changed meanwhile is a 412, shown in words.
    await act(button, () => S.api.request('POST', path, { body, etag: action === 'dispatch' ? undefined : etag, key }), t('done'));
    // Done or refused, the page shows the request as it is now (a 412 means it changed meanwhile).
    await reload().catch(sayError);
  });
  return h('details', { class: 'act' }, h('summary', {}, t(`action.${action}`)), form);
}

async function requestPage(root, id) {
  const head = h('div');
  const actions = h('div', { class: 'actions' });
  const dispatch = h('div');
  const visits = h('div');
  const timeline = h('div');
  root.append(h('h1', { id: 'page-h' }, `${t('request')} ${id}`), head, actions, dispatch, visits, timeline);
  let shown = '';
  const load = async () => {
    const { json: r, etag } = await S.api.getWithEtag(`/v1/requests/${q(id)}`);
    const events = ['manager', 'auditor', 'admin'].includes(S.me.role) ? await S.api.all(`/v1/requests/${q(id)}/events`, 2000) : null;
    const fingerprint = `${etag}/${events ? events.length : ''}`;
    if (fingerprint === shown) return;  // nothing new: the page stays as the user left it
    shown = fingerprint;
    head.replaceChildren(h('div', { class: 'card' },
      h('dl', { class: 'facts' },
        ...[['status', badge(r.status)], ['type', t(`type.${r.type}`)], ['channel', t(`channel.${r.channel}`)], ['priority', t(`priority.${r.priority}`)],
          ['customer', r.customer_id], ['unit', r.serial_no || '—'], ['product', r.product_model || '—'], ['problem_code', r.problem_code || '—'],
          ['region', r.region], ['engineer', r.engineer_id || '—'], ['attempts', r.attempts], ['opened', time(r.opened_at)],
          ['description', r.description || '—'], ...(r.suspend_reason ? [['reason', r.suspend_reason]] : []),
          ...(r.lock_reason ? [['reason', t(`lock.${r.lock_reason}`)]] : [])]
          .flatMap(([k, v]) => [h('dt', {}, t(k)), h('dd', { 'data-field': k }, v)]))));
    actions.replaceChildren(...(ACTIONS[r.status] || []).filter((a) => mayAct(S.me.role, a)).map((a) => actionForm(r, etag, a, load)));
    dispatch.replaceChildren();
    if (r.dispatch_id && S.me.role !== 'customer') {
      const d = await S.api.get(`/v1/dispatches/${q(r.dispatch_id)}`).catch(() => null);
      if (d) dispatch.append(dispatchCard(d));
    }
    const v = await S.api.get(`/v1/requests/${q(id)}/visits`).catch(() => ({ items: [] }));
    visits.replaceChildren(...(v.items.length ? [h('h2', {}, t('visits')), ...v.items.map(visitCard)] : []));
    timeline.replaceChildren(h('h2', {}, t('timeline')), events ? timelineList(events) : empty(t('timeline.role')));
  };
  await load();
  return load;
}

export function dispatchCard(d) {
  const ranking = d.ranking && d.ranking.candidates ? d.ranking.candidates.slice(0, 5) : [];
  return h('div', { class: 'card' }, h('h2', {}, `${t('dispatch')} ${d.id}`),
    h('p', {}, badge(d.status), ` ${t('engineer')}: ${d.engineer_id} · ${t(`mode.${d.mode}`)}${d.parts_warehouse_id ? ` · ${t('parts_from')} ${d.parts_warehouse_id}` : ''}`),
    ranking.length ? explain(ranking) : null);
}

function visitCard(v) {
  return h('div', { class: 'card' }, h('h3', {}, `${t('visit')} ${v.id} `, badge(v.status)),
    h('p', {}, `${t('outcome')}: ${v.outcome ? t(`outcome.${v.outcome}`) : '—'} · ${t('work_minutes')}: ${v.work_minutes}`),
    v.parts.length ? h('ul', {}, v.parts.map((p) => h('li', {}, `${p.part_no} × ${p.qty} (${t(`issue.${p.issue}`)})`))) : null,
    v.charge ? h('p', {}, `${t('charge')}: ${money(v.charge.total)} (${t(`method.${v.charge.method}`)})`) : null,
    v.customer_signature ? h('p', {}, `${t('signature')}: ${v.customer_signature.name}`) : null);
}

function timelineList(events) {
  return h('ol', { class: 'timeline' }, events.map((e) => {
    const name = e.type.replace(/^aftercare\./, '').replace(/\.v\d+$/, '');
    return h('li', {}, time(e.time, { seconds: true }), ' ', h('strong', {}, name), ' ', h('span', { class: 'actor' }, e.actor || ''),
      e.data && (e.data.reason || e.data.outcome || e.data.engineer_id) ? h('span', { class: 'muted' }, ` ${e.data.reason || e.data.outcome || e.data.engineer_id}`) : null);
  }));
}

// ---- stock, settlement, statistics, audit -----------------------------------

async function stockPage(root) {
  const wh = h('input', { name: 'warehouse_id' });
  const below = h('input', { type: 'checkbox', name: 'below_safety' });
  const list = h('div', { class: 'card' });
  const item = h('div');
  const form = h('form', { class: 'card row' }, field(t('warehouse'), wh), field(t('stock.below'), below), h('button', { type: 'submit' }, t('show')));
  root.append(h('h1', { id: 'page-h' }, t('nav.stock')), form, list, item);
  const load = async () => {
    const params = new URLSearchParams({ limit: '200' });
    if (wh.value.trim()) params.set('warehouse_id', wh.value.trim());
    if (below.checked) params.set('below_safety', 'true');
    const page = await S.api.get(`/v1/stock?${params}`);
    list.replaceChildren(page.items.length ? table([t('warehouse'), t('part'), t('on_hand'), t('reserved'), t('available'), t('in_transit'), t('defective'), t('safety')],
      page.items.map((s) => h('tr', { class: s.below_safety ? 'warn' : '' }, h('td', {}, s.warehouse_id),
        h('td', {}, h('button', { type: 'button', class: 'link', onclick: () => showItem(s).catch(sayError) }, s.part_no)),
        h('td', {}, s.on_hand), h('td', {}, s.reserved), h('td', {}, s.available), h('td', {}, s.in_transit_in), h('td', {}, s.defective),
        h('td', {}, s.safety_stock)))) : empty());
  };
  const showItem = async (s) => {
    const full = await S.api.get(`/v1/stock/${q(s.warehouse_id)}/${q(s.part_no)}`);
    item.replaceChildren(h('div', { class: 'card' }, h('h2', {}, `${s.warehouse_id} · ${s.part_no}`),
      table([t('time'), t('movement'), t('available')], full.movements.map((m) =>
        h('tr', {}, h('td', {}, time(m.time)), h('td', {}, m.event), h('td', {}, m.balance ? m.balance.available : '—'))))));
  };
  form.addEventListener('submit', (e) => { e.preventDefault(); act(form.querySelector('button'), load); });
  if (['warehouse', 'manager', 'admin'].includes(S.me.role)) root.append(stockMoves(load));
  await load();
  return load;
}

// Goods received, a transfer sent, a transfer taken in: the clerk's daily moves.
function stockMoves(reload) {
  return h('div', { class: 'row pair' }, receiptForm(reload), transferForm(reload), arrivedForm(reload));
}

const partLine = () => [h('input', { name: 'part_no', required: true, autocomplete: 'off' }),
  h('input', { name: 'qty', type: 'number', min: 1, max: 1000000, value: 1, required: true, inputmode: 'numeric' })];

function sayTransfer(r) {
  say(`${t('stock.transfer')} ${r.id}: ${r.lines.map((l) => `${l.part_no} × ${l.qty} ${statusName(l.status)}`).join(', ')}`);
}

// A small card form; `send(fields)` is the command, run with one Idempotency-Key until it succeeds.
function moveForm(id, title, button, controls, send, reload) {
  const form = h('form', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title), h('div', { class: 'row' }, controls),
    h('button', { type: 'submit' }, button));
  let key = crypto.randomUUID();
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (await act(form.querySelector('button'), () => send(key))) {
      key = crypto.randomUUID();
      await reload().catch(sayError);
    }
  });
  return form;
}

function receiptForm(reload) {
  const [part, qty] = partLine();
  const wh = h('input', { name: 'warehouse_id', required: true });
  const ref = h('input', { name: 'reference', maxlength: 256 });
  return moveForm('receipt-h', t('stock.receipt'), t('stock.receive'),
    [field(t('warehouse'), wh), field(t('part'), part), field(t('qty'), qty), field(t('stock.reference'), ref)], async (key) => {
      const body = { warehouse_id: wh.value.trim(), lines: [{ part_no: part.value.trim(), qty: Number(qty.value) }] };
      if (ref.value.trim()) body.reference = ref.value.trim();
      const r = await S.api.post('/v1/stock/receipts', body, { key });
      say(t('done'));
      return r;
    }, reload);
}

function transferForm(reload) {
  const [part, qty] = partLine();
  const from = h('input', { name: 'from', required: true });
  const to = h('input', { name: 'to', required: true });
  return moveForm('transfer-h', t('stock.transfer'), t('stock.send'),
    [field(t('stock.from'), from), field(t('stock.to'), to), field(t('part'), part), field(t('qty'), qty)], async (key) => {
      const body = { from: from.value.trim(), to: to.value.trim(), lines: [{ part_no: part.value.trim(), qty: Number(qty.value) }] };
      const r = await S.api.post('/v1/stock/transfers', body, { key });
      sayTransfer(r);
      return r;
    }, reload);
}

function arrivedForm(reload) {
  const id = h('input', { name: 'transfer_id', required: true, autocomplete: 'off' });
  return moveForm('arrived-h', t('stock.arrived'), t('stock.take_in'), [field(t('stock.transfer_id'), id)], async (key) => {
    const r = await S.api.post(`/v1/stock/transfers/${q(id.value.trim())}/receive`, {}, { key });
    sayTransfer(r);
    return r;
  }, reload);
}

async function settlementPage(root) {
  const outlet = h('input', { name: 'outlet_id', required: true });
  const month = h('input', { name: 'month', type: 'month', required: true, value: new Date().toISOString().slice(0, 7) });
  const out = h('div');
  const form = h('form', { class: 'card row' }, field(t('outlet'), outlet), field(t('month'), month), h('button', { type: 'submit' }, t('show')));
  root.append(h('h1', { id: 'page-h' }, t('nav.settlement')), form, out);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    act(form.querySelector('button'), async () => {
      const s = await S.api.get(`/v1/outlets/${q(outlet.value.trim())}/settlement?month=${q(month.value)}&limit=500`);
      out.replaceChildren(h('div', { class: 'card' }, h('h2', {}, `${s.outlet_id} · ${s.month} (${s.time_zone})`),
        h('p', { class: 'big' }, `${t('payable')}: ${money(s.payable)}`),
        h('dl', { class: 'facts' }, Object.entries(s.totals).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, /visits/.test(k) ? v : money(v))]))),
        s.items.length ? table([t('visit'), t('request'), t('engineer'), t('outcome'), t('completed'), t('fee'), t('charge')], s.items.map((l) =>
          h('tr', {}, h('td', {}, l.visit_id), h('td', {}, h('a', { href: `#/request/${l.request_id}` }, l.request_id)), h('td', {}, l.engineer_id),
            h('td', {}, t(`outcome.${l.outcome}`)), h('td', {}, time(l.completed_at)), h('td', {}, money(l.fee)), h('td', {}, money(l.customer_charge))))) : empty());
    });
  });
}

let chartLoading = null;
function loadChartJs() {
  // Chart.js (MIT, web/README.md) is loaded only by the page that draws a chart.
  chartLoading ||= new Promise((resolve, reject) => {
    document.head.append(h('script', { src: '/assets/chart.umd.min.js', onload: resolve, onerror: reject }));
  });
  return chartLoading;
}

async function statsPage(root) {
  const canvas = h('canvas', { id: 'problems-chart', role: 'img', 'aria-label': t('stats.problems') });
  const tableBox = h('div');
  const hit = h('p', { class: 'big' });
  root.append(h('h1', { id: 'page-h' }, t('nav.stats')), h('div', { class: 'card' }, h('h2', {}, t('stats.problems')), h('div', { class: 'chart' }, canvas), tableBox),
    h('div', { class: 'card' }, h('h2', {}, t('stats.hit')), hit));
  const [problems] = await Promise.all([S.api.get('/v1/stats/problems'), loadChartJs()]);
  const top = problems.items.slice(0, 15);
  tableBox.replaceChildren(top.length ? table([t('product'), t('problem_code'), t('count')], top.map((r) =>
    h('tr', {}, h('td', {}, r.product_model), h('td', {}, r.problem_code), h('td', {}, r.count)))) : empty());
  // eslint-disable-next-line no-undef
  new Chart(canvas, {
    type: 'bar',
    data: { labels: top.map((r) => `${r.product_model} ${r.problem_code}`), datasets: [{ label: t('count'), data: top.map((r) => r.count), backgroundColor: '#2f6fb3' }] },
    options: { indexAxis: 'y', responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { display: false } },
      scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } },
  });
  const rate = await S.api.get('/v1/stats/parts-hit-rate').catch(() => null);
  hit.textContent = rate && rate.hit_rate != null ? `${(rate.hit_rate * 100).toFixed(1)}% (${rate.with_every_part}/${rate.first_visits})` : t('none');
}

async function auditPage(root, id) {
  const input = h('input', { name: 'request_id', required: true, value: id || '' });
  const form = h('form', { class: 'card row' }, field(t('request'), input), h('button', { type: 'submit' }, t('show')));
  const out = h('div');
  root.append(h('h1', { id: 'page-h' }, t('nav.audit')), form, out);
  const show = async () => {
    const rid = input.value.trim();
    // The case: the request's events and its dispatches' (`<request>.<n>`), in time order.
    const request = await S.api.get(`/v1/requests/${q(rid)}`);
    const events = await S.api.all(`/v1/requests/${q(rid)}/events`, 5000);
    for (let n = 1; n <= (request.dispatches || 0); n++) events.push(...await S.api.all(`/v1/dispatches/${q(`${rid}.${n}`)}/events`, 5000));
    events.sort((a, b) => a.time.localeCompare(b.time));  // stable: one aggregate's events keep their order
    if (!events.length) return out.replaceChildren(empty());
    const slider = h('input', { type: 'range', min: 0, max: events.length - 1, value: events.length - 1, step: 1, name: 'as_of' });
    const when = h('output', { for: slider.id });
    const view = h('div');
    const list = timelineList(events);
    const at = async () => {
      const i = Number(slider.value);
      const e = events[i];
      when.textContent = `${i + 1}/${events.length} · ${e.time}`;
      [...list.children].forEach((li, j) => li.classList.toggle('future', j > i));
      const v = await S.api.get(`/v1/requests/${q(rid)}?as_of=${q(e.time)}`);
      view.replaceChildren(h('dl', { class: 'facts' }, ['status', 'engineer_id', 'attempts', 'priority', 'dispatch_id', 'version']
        .flatMap((k) => [h('dt', {}, k), h('dd', { 'data-field': k }, k === 'status' ? badge(v[k]) : String(v[k] ?? '—'))])));
    };
    slider.addEventListener('input', () => at().catch(sayError));
    out.replaceChildren(h('div', { class: 'card' }, field(t('audit.asof'), slider), when, view), h('div', { class: 'card' }, list));
    await at();
  };
  form.addEventListener('submit', (e) => { e.preventDefault(); act(form.querySelector('button'), show); });
  if (id) await show();
}

// ---- start -------------------------------------------------------------------

document.getElementById('lang').addEventListener('click', () => { setLang(lang() === 'zh' ? 'en' : 'zh'); frame(); route(); });
document.getElementById('signout').addEventListener('click', signOut);
// The token stopped working (removed from the tokens file, the server's key rotated): back to the sign-in.
window.addEventListener('aftercare:unauthorized', () => {
  if (!S.me) return;
  signOut();
  say(t('problem.401'), 'error');
});
window.addEventListener('hashchange', route);
frame();
const saved = sessionStorage.getItem('aftercare.token');
if (saved) signIn(saved).catch(() => { sessionStorage.removeItem('aftercare.token'); signInPage(); });
else signInPage();
