// The dispatch board: engineers with status and workload, the requests
// waiting for an engineer, auto-dispatch with its explanation, and the
// candidates of a request with why each other engineer was left out.
//
// It is built to stay responsive with 1,000 engineers and 5,000 open
// requests (bench/console_bench.mjs): rows are keyed by id and a refresh
// touches only the rows whose data changed; the request list renders the
// 300 most urgent matches of the filter and counts the rest.
import { q } from './api.js';
import { t } from './i18n.js';
import { h, field, badge, time, act, table, empty, say, explain } from './ui.js';

const SHOWN_REQUESTS = 300;
const PRIORITY = { urgent: 0, high: 1, normal: 2, low: 3 };

// Keeps a <tbody> equal to `items` (in order), re-rendering only changed
// rows. Rows filtered out leave the table but stay rendered in `cache`, so
// clearing a filter costs no rendering; prune() forgets ids gone from the data.
function syncRows(tbody, cache, items, key, render) {
  const seen = new Set();
  let prev = null;
  for (const item of items) {
    const id = key(item);
    seen.add(id);
    const sig = JSON.stringify(item);
    let entry = cache.get(id);
    if (!entry || entry.sig !== sig) {
      const row = render(item);
      if (entry) entry.row.replaceWith(row);
      entry = { sig, row };
      cache.set(id, entry);
    }
    const want = prev ? prev.nextSibling : tbody.firstChild;
    if (want !== entry.row) tbody.insertBefore(entry.row, want);
    prev = entry.row;
  }
  for (const [id, entry] of cache) if (!seen.has(id) && entry.row.parentNode) entry.row.remove();
}

function prune(cache, items, key) {
  const alive = new Set(items.map(key));
  for (const [id, entry] of cache) if (!alive.has(id)) { entry.row.remove(); cache.delete(id); }
}

export async function boardPage(S, root) {
  const filter = h('input', { name: 'filter', type: 'search', placeholder: t('board.filter_hint') });
  const counts = h('p', { class: 'muted', 'aria-live': 'polite' });
  const why = h('div', { id: 'why' });
  const engBody = h('tbody');
  const reqBody = h('tbody');
  const engCache = new Map();
  const reqCache = new Map();
  const dspBody = h('tbody');
  const dspCache = new Map();
  root.append(h('h1', { id: 'page-h' }, t('nav.board')),
    h('div', { class: 'card row' }, field(t('board.filter'), filter), counts),
    why,
    h('div', { class: 'board' },
      h('div', { class: 'card' }, h('h2', {}, t('board.waiting')),
        h('div', { class: 'scroll tall', tabindex: 0, role: 'region', 'aria-label': t('board.waiting') }, h('table', { id: 'waiting' }, h('thead', {}, h('tr', {},
          [t('request'), t('priority'), t('customer'), t('product'), t('region'), t('opened'), ''].map((x) => h('th', { scope: 'col' }, x)))), reqBody))),
      h('div', { class: 'card' }, h('h2', {}, t('board.open_dispatches')),
        h('div', { class: 'scroll', tabindex: 0, role: 'region', 'aria-label': t('board.open_dispatches') }, h('table', { id: 'open-dispatches' }, h('thead', {}, h('tr', {},
          [t('dispatch'), t('engineer'), t('status'), t('opened')].map((x) => h('th', { scope: 'col' }, x)))), dspBody))),
      h('div', { class: 'card' }, h('h2', {}, t('board.engineers')),
        h('div', { class: 'scroll tall', tabindex: 0, role: 'region', 'aria-label': t('board.engineers') }, h('table', { id: 'engineers' }, h('thead', {}, h('tr', {},
          [t('engineer'), t('status'), t('workload'), t('outlet'), t('region'), t('updated')].map((x) => h('th', { scope: 'col' }, x)))), engBody)))));

  let engineers = [];
  let waiting = [];
  let dispatches = [];  // the newest 200 offers that are still open: offered, accepted, on the way, on site
  const OPEN = ['offered', 'accepted', 'en_route', 'on_site'];

  const showWhy = (d) => {
    why.replaceChildren(h('div', { class: 'card', role: 'region', 'aria-label': t('dispatch.why') },
      h('h2', {}, `${t('dispatch')} ${d.id} → ${d.engineer_id}`),
      d.ranking && d.ranking.candidates ? explain(d.ranking.candidates.slice(0, 10)) : h('p', {}, t(`mode.${d.mode}`)),
      d.ranking && d.ranking.excluded && Object.keys(d.ranking.excluded).length ? h('p', { class: 'muted' }, `${t('excluded')}: ${Object.entries(d.ranking.excluded).map(([k, n]) => `${t(`why.${k}`, k)} ${n}`).join(', ')}`) : null));
  };

  const candidates = async (r, button) => {
    const c = await act(button, () => S.api.get(`/v1/requests/${q(r.id)}/dispatch-candidates`));
    if (!c) return;
    why.replaceChildren(h('div', { class: 'card', role: 'region', 'aria-label': t('board.candidates') },
      h('h2', {}, `${t('board.candidates')} · ${r.id}`),
      c.items.length ? table([t('engineer'), t('score'), t('distance'), t('workload'), t('excluded'), ''], c.items.slice(0, 50).map((x) =>
        h('tr', {}, h('td', {}, x.engineer_id), h('td', {}, x.score), h('td', {}, x.distance_km == null ? '—' : `${x.distance_km.toFixed(1)} km`),
          h('td', {}, x.open_dispatches), h('td', {}, x.excluded_because ? t(`why.${x.excluded_because}`, x.excluded_because) : '—'),
          h('td', {}, x.excluded_because ? '' : h('button', { type: 'button', onclick: (e) => dispatch(r, e.target, x.engineer_id) }, t('action.assign')))))) : empty()));
  };

  const dispatch = async (r, button, engineerId) => {
    const body = engineerId ? { engineer_id: engineerId } : {};
    const d = await act(button, () => S.api.post(`/v1/requests/${q(r.id)}/dispatch`, body), t('board.dispatched'));
    if (!d) return;
    showWhy(d);
    await load().catch(() => {});  // the next poll tries again
  };

  const renderRequest = (r) => h('tr', { 'data-id': r.id },
    h('td', { class: 'nowrap' }, h('a', { href: `#/request/${r.id}` }, r.id)), h('td', {}, t(`priority.${r.priority}`)), h('td', {}, r.customer_id),
    h('td', {}, `${r.product_model || ''} ${r.problem_code || ''}`), h('td', {}, r.region), h('td', {}, time(r.opened_at)),
    h('td', { class: 'nowrap' },
      h('button', { type: 'button', 'data-act': 'auto', onclick: (e) => dispatch(r, e.target) }, t('board.auto')), ' ',
      h('button', { type: 'button', class: 'secondary', onclick: (e) => candidates(r, e.target) }, t('board.candidates'))));

  const renderDispatch = (d) => h('tr', { 'data-id': d.id },
    h('td', { class: 'nowrap' }, h('a', { href: `#/request/${d.request_id}` }, d.id)), h('td', {}, d.engineer_id),
    h('td', {}, badge(d.status)), h('td', {}, time(d.offered_at)));

  const renderEngineer = (e) => h('tr', { 'data-id': e.engineer_id },
    h('td', {}, `${e.name} `, h('small', {}, e.engineer_id)), h('td', {}, badge(e.status)), h('td', {}, e.open_dispatches),
    h('td', {}, e.outlet_id || '—'), h('td', {}, e.region), h('td', {}, time(e.updated_at)));

  // Applies the data to the page: what a refresh costs the browser (measured by the bench).
  const apply = () => {
    const started = performance.now();
    const f = filter.value.trim().toLowerCase();
    const match = (r) => !f || `${r.id} ${r.customer_id} ${r.product_model || ''} ${r.problem_code || ''} ${r.region}`.toLowerCase().includes(f);
    const sorted = waiting.filter(match).sort((a, b) => (PRIORITY[a.priority] - PRIORITY[b.priority]) || a.opened_at.localeCompare(b.opened_at));
    syncRows(reqBody, reqCache, sorted.slice(0, SHOWN_REQUESTS), (r) => r.id, renderRequest);
    const engs = engineers.filter((e) => !f || `${e.engineer_id} ${e.name} ${e.region} ${e.outlet_id || ''}`.toLowerCase().includes(f));
    syncRows(engBody, engCache, engs, (e) => e.engineer_id, renderEngineer);
    const dsps = dispatches.filter((d) => !f || `${d.id} ${d.engineer_id} ${d.region}`.toLowerCase().includes(f));
    syncRows(dspBody, dspCache, dsps, (d) => d.id, renderDispatch);
    const available = engineers.filter((e) => e.status === 'available').length;
    counts.textContent = t('board.counts', '', { waiting: waiting.length, shown: Math.min(sorted.length, SHOWN_REQUESTS), engineers: engineers.length, available });
    S.boardUpdateMs = performance.now() - started;
    S.boardUpdates = (S.boardUpdates || 0) + 1;
  };

  const load = async () => {
    let recent;
    [engineers, waiting, recent] = await Promise.all([S.api.all('/v1/engineers', 5000), S.api.all('/v1/requests?status=awaiting_assignment', 10000),
      S.api.get('/v1/dispatches?limit=200')]);
    dispatches = recent.items.filter((d) => OPEN.includes(d.status));
    prune(reqCache, waiting, (r) => r.id);
    prune(engCache, engineers, (e) => e.engineer_id);
    prune(dspCache, dispatches, (d) => d.id);
    apply();
  };
  filter.addEventListener('input', apply);
  await load();
  say('');
  return load;
}
