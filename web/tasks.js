// The engineer's view, made for a phone: my open dispatches, one card each,
// with the one next step as a big button (accept, depart, arrive), and on
// site the visit: parts used, outcome, the customer's signature.
//
// A refresh re-renders only when a dispatch changed, so a form being filled
// in is never wiped by a poll.
import { q } from './api.js';
import { t } from './i18n.js';
import { h, field, select, badge, act, say, sayError, empty } from './ui.js';

const OPEN = ['offered', 'accepted', 'en_route', 'on_site'];
const NEXT = { offered: 'accept', accepted: 'depart', en_route: 'arrive' };

export async function tasksPage(S, root) {
  const me = S.me.engineer_id;
  const list = h('div', { class: 'tasks' });
  const status = select('status', ['available', 'travelling', 'on_site', 'off_duty'].map((s) => [s, t(`status.${s}`)]), 'available');
  const report = h('button', { type: 'button', class: 'secondary' }, t('tasks.report'));
  report.addEventListener('click', () => act(report, async () => {
    const body = { status: status.value };
    const where = await position();
    if (where) body.location = where;
    return S.api.post(`/v1/engineers/${q(me)}/status`, body);
  }, t('done')));
  root.append(h('h1', { id: 'page-h' }, t('nav.tasks')), h('div', { class: 'card row' }, field(t('tasks.mystatus'), status), report), list);
  let shown = '';
  const load = async () => {
    const page = await S.api.get(`/v1/engineers/${q(me)}/dispatches?limit=50`);
    const open = page.items.filter((d) => OPEN.includes(d.status));
    const fingerprint = open.map((d) => `${d.id}:${d.version}`).join(',');
    if (fingerprint === shown) return;
    shown = fingerprint;
    if (!open.length) return list.replaceChildren(empty(t('tasks.none')));
    const cards = [];
    for (const d of open) cards.push(await taskCard(S, d, load));
    list.replaceChildren(...cards);
  };
  await load();
  return load;
}

// Where the phone is, if the engineer lets the browser tell (auto-dispatch
// ranks by distance); nothing when they do not, or it takes over 5 s.
function position() {
  if (!navigator.geolocation) return Promise.resolve(null);
  return new Promise((resolve) => navigator.geolocation.getCurrentPosition(
    (p) => resolve({ lat: Number(p.coords.latitude.toFixed(6)), lon: Number(p.coords.longitude.toFixed(6)) }),
    () => resolve(null), { timeout: 5000, maximumAge: 60000 }));
}

async function taskCard(S, d, reload) {
  const r = await S.api.get(`/v1/requests/${q(d.request_id)}`).catch(() => null);
  // Where to go and whom to call: the engineer may read the customers they have work for.
  const c = r ? await S.api.get(`/v1/customers/${q(r.customer_id)}`).catch(() => null) : null;
  const card = h('article', { class: 'card task', 'data-dispatch': d.id, 'aria-label': `${t('dispatch')} ${d.id}` },
    h('h2', {}, r ? `${r.product_model || ''} · ${r.problem_code || ''}` : d.request_id, ' ', badge(d.status)),
    r ? h('p', {}, `${c ? c.name : r.customer_id} · ${t('unit')}: ${r.serial_no || '—'}`) : null,
    c && c.address ? h('p', {}, c.address) : null,
    c && c.phone ? h('p', {}, h('a', { href: `tel:${c.phone.replace(/[^+\d]/g, '')}` }, c.phone)) : null,
    r && r.description ? h('p', { class: 'muted' }, r.description) : null);
  const step = NEXT[d.status];
  if (step) {
    const b = h('button', { type: 'button', class: 'big', 'data-act': step }, t(`action.${step}`));
    b.addEventListener('click', async () => {
      const ok = await act(b, () => S.api.post(`/v1/dispatches/${q(d.id)}/${step}`, {}), t('done'));
      if (ok) await reload().catch(sayError);
    });
    card.append(b);
  }
  if (d.status === 'offered') {
    const reason = h('input', { name: 'reason', required: true, maxlength: 256 });
    const form = h('form', {}, field(t('reason'), reason), h('button', { type: 'submit', class: 'secondary' }, t('action.decline')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (await act(form.querySelector('button'), () => S.api.post(`/v1/dispatches/${q(d.id)}/decline`, { reason: reason.value.trim() }), t('done'))) await reload().catch(sayError);
    });
    card.append(h('details', {}, h('summary', {}, t('action.decline')), form));
  }
  if (d.status === 'on_site') card.append(visitForms(S, d, reload));
  return card;
}

function visitForms(S, d, reload) {
  const visit = d.visit_id || d.id;
  const part = h('input', { name: 'part_no', required: true, autocomplete: 'off' });
  const qty = h('input', { name: 'qty', type: 'number', min: 1, max: 10000, value: 1, required: true, inputmode: 'numeric' });
  const removed = h('input', { name: 'serials_removed', autocomplete: 'off' });
  // The dispatch's parts warehouse (the van, else the outlet's) unless the engineer names another.
  const from = h('input', { name: 'warehouse_id', autocomplete: 'off', value: d.parts_warehouse_id || '', required: !d.parts_warehouse_id });
  const parts = h('form', { class: 'parts', 'aria-label': t('tasks.parts') }, h('h3', {}, t('tasks.parts')),
    h('div', { class: 'row' }, field(t('part'), part), field(t('qty'), qty), field(t('warehouse'), from)), field(t('tasks.removed'), removed, t('tasks.removed_hint')),
    h('button', { type: 'submit', class: 'secondary' }, t('tasks.add_part')));
  const used = h('ul', { class: 'used' });
  parts.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { part_no: part.value.trim(), qty: Number(qty.value) };
    const serials = removed.value.split(/[\s,]+/).filter(Boolean);
    if (serials.length) body.serials_removed = serials;
    if (from.value.trim() && from.value.trim() !== d.parts_warehouse_id) body.warehouse_id = from.value.trim();
    const v = await act(parts.querySelector('button'), () => S.api.post(`/v1/visits/${q(visit)}/parts`, body), t('done'));
    if (v) {
      used.replaceChildren(...v.parts.map((p) => h('li', {}, `${p.part_no} × ${p.qty} (${t(`issue.${p.issue}`)})`)));
      part.value = ''; removed.value = '';
    }
  });

  const outcome = select('outcome', ['fixed', 'not_fixed', 'needs_parts', 'no_fault_found'].map((o) => [o, t(`outcome.${o}`)]), 'fixed');
  const minutes = h('input', { name: 'work_minutes', type: 'number', min: 0, max: 100000, value: 30, inputmode: 'numeric' });
  const code = h('input', { name: 'actual_problem_code', maxlength: 256 });
  const notes = h('textarea', { name: 'notes', rows: 2, maxlength: 8192 });
  const needPart = h('input', { name: 'needed_part', autocomplete: 'off' });
  const needQty = h('input', { name: 'needed_qty', type: 'number', min: 1, value: 1, inputmode: 'numeric' });
  const needs = h('div', { class: 'row', hidden: true }, field(t('tasks.needed_part'), needPart), field(t('qty'), needQty));
  outcome.addEventListener('change', () => { needs.hidden = outcome.value !== 'needs_parts'; });
  const signer = h('input', { name: 'signature', autocomplete: 'name', required: true });
  const complete = h('form', { class: 'complete', 'aria-label': t('tasks.complete') }, h('h3', {}, t('tasks.complete')),
    field(t('outcome'), outcome), needs, h('div', { class: 'row' }, field(t('work_minutes'), minutes), field(t('tasks.actual_code'), code)),
    field(t('notes'), notes), field(t('tasks.signed_by'), signer, t('tasks.signed_hint')),
    h('button', { type: 'submit', class: 'big' }, t('tasks.finish')));
  const key = crypto.randomUUID();
  complete.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { outcome: outcome.value, work_minutes: Number(minutes.value || 0),
      customer_signature: { name: signer.value.trim(), signed_at: new Date().toISOString() } };
    if (code.value.trim()) body.actual_problem_code = code.value.trim();
    if (notes.value.trim()) body.notes = notes.value.trim();
    if (outcome.value === 'needs_parts') body.parts_needed = [{ part_no: needPart.value.trim(), qty: Number(needQty.value) }];
    const v = await act(complete.querySelector('button'), () => S.api.post(`/v1/visits/${q(visit)}/complete`, body, { key }), t('tasks.completed'));
    if (v) { say(t('tasks.completed')); await reload().catch(sayError); }
  });
  return h('div', { class: 'visit' }, parts, used, complete);
}
