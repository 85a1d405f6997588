// Master data: customers, units, engineers, products, outlets, warehouses,
// parts — every kind the server's registry has, read from /openapi.json, so
// a kind added on the server appears here with its form and no console
// change. Anyone may look a record up (the API decides what they see);
// admins create and replace records (PUT with If-Match) and run lifecycle
// actions (an outlet's certify, suspend, revoke).
import { q } from './api.js';
import { t } from './i18n.js';
import { h, field, select, act, say, sayError, empty } from './ui.js';

let kindsPromise = null;

// [{collection, idName, schema, actions: [name]}] from the OpenAPI document.
function kinds() {
  kindsPromise ||= fetch('/openapi.json').then((r) => r.json()).then((doc) => {
    const out = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      const m = path.match(/^\/v1\/([a-z_]+)\/\{(\w+)\}$/);
      const ref = m && ops.put && ops.put.requestBody?.content?.['application/json']?.schema?.$ref;
      if (!ref) continue;
      const actions = Object.keys(doc.paths).map((p) => p.match(new RegExp(`^/v1/${m[1]}/\\{${m[2]}\\}/([a-z-]+)$`)))
        .filter((x) => x && doc.paths[x.input].post?.requestBody?.content?.['application/json']?.schema?.$ref?.endsWith('/Reason')).map((x) => x[1]);
      out.push({ collection: m[1], idName: m[2], schema: doc.components.schemas[ref.split('/').pop()], actions });
    }
    return out;
  });
  return kindsPromise;
}

// One control per property of the schema; read(): the value to send, or undefined to leave it out.
function control(name, prop, required) {
  if (prop.enum) {
    const el = select(name, [...(required ? [] : [['', '—']]), ...prop.enum.filter((x) => x !== null).map((x) => [x, String(x)])], '');
    return { el, set: (v) => { el.value = v ?? ''; }, read: () => el.value || undefined };
  }
  if (prop.type === 'boolean') {
    const el = h('input', { type: 'checkbox', name });
    return { el, set: (v) => { el.checked = !!v; }, read: () => el.checked };
  }
  if (prop.type === 'integer' || prop.type === 'number') {
    const el = h('input', { type: 'number', name, step: prop.type === 'integer' ? 1 : 'any', min: prop.minimum, max: prop.maximum, inputmode: 'decimal' });
    return { el, set: (v) => { el.value = v ?? ''; }, read: () => (el.value === '' ? undefined : Number(el.value)) };
  }
  if (prop.type === 'array' && prop.items?.type === 'string') {
    const el = h('input', { name, autocomplete: 'off' });
    return { el, hint: t('records.list_hint'), set: (v) => { el.value = (v || []).join(', '); },
      read: () => { const xs = el.value.split(',').map((x) => x.trim()).filter(Boolean); return xs.length ? xs : undefined; } };
  }
  if (prop.type === 'object') {
    // Objects (a location, fees by visit type) as JSON: exact, and never guessed at.
    const el = h('textarea', { name, rows: 2, spellcheck: 'false', class: 'mono' });
    return { el, hint: Object.keys(prop.properties || {}).join(', '), set: (v) => { el.value = v == null ? '' : JSON.stringify(v); },
      read: () => { if (!el.value.trim()) return undefined; try { return JSON.parse(el.value); } catch { throw new Error(`${name}: ${t('records.bad_json')}`); } } };
  }
  const el = h(prop.maxLength > 256 ? 'textarea' : 'input', { name, maxlength: prop.maxLength, autocomplete: 'off',
    placeholder: prop.format === 'date-time' ? '2026-01-31T09:00:00Z' : undefined, rows: prop.maxLength > 256 ? 2 : undefined });
  return { el, set: (v) => { el.value = v ?? ''; }, read: () => (el.value.trim() === '' ? undefined : el.value.trim()) };
}

export async function recordsPage(S, root, param) {
  const all = await kinds();
  const [collection0, id0] = (param || '').split('/');
  const kind = select('collection', all.map((k) => [k.collection, t(`records.${k.collection}`, k.collection)]), collection0 || all[0].collection);
  const id = h('input', { name: 'record_id', required: true, autocomplete: 'off', value: id0 || '' });
  const finder = h('form', { class: 'card row', role: 'search' }, field(t('records.kind'), kind), field(t('records.id'), id),
    h('button', { type: 'submit' }, t('show')));
  const out = h('div');
  root.append(h('h1', { id: 'page-h' }, t('nav.records')), finder, out);
  const show = async () => {
    const k = all.find((x) => x.collection === kind.value);
    const path = `/v1/${k.collection}/${q(id.value.trim())}`;
    let loaded = null;
    try { loaded = await S.api.getWithEtag(path); } catch (e) { if (e.status !== 404) throw e; }
    out.replaceChildren(recordForm(S, k, id.value.trim(), path, loaded, show));
  };
  finder.addEventListener('submit', (e) => { e.preventDefault(); act(finder.querySelector('button'), show); });
  if (id0) await act(finder.querySelector('button'), show);
}

function recordForm(S, k, id, path, loaded, reload) {
  const admin = S.me.role === 'admin';
  const record = loaded ? loaded.json : null;
  if (!record && !admin) return empty(t('problem.404'));
  const controls = [];
  const facts = [];
  for (const [name, prop] of Object.entries(k.schema.properties)) {
    if (prop.readOnly) {
      if (record && record[name] != null) facts.push(h('dt', {}, t(`field.${name}`, name)), h('dd', { 'data-field': name }, String(record[name])));
      continue;
    }
    const c = control(name, prop, (k.schema.required || []).includes(name));
    if (record) c.set(record[name]);
    c.el.disabled = !admin;
    const label = `${t(`field.${name}`, name)}${(k.schema.required || []).includes(name) ? ' *' : ''}`;
    controls.push([name, c, field(label, c.el, c.hint || prop.description)]);
  }
  const save = h('button', { type: 'submit' }, record ? t('records.save') : t('records.create'));
  const form = h('form', { class: 'card', 'aria-labelledby': 'record-h' },
    h('h2', { id: 'record-h' }, `${t(`records.${k.collection}`, k.collection)} ${id}`, record ? '' : ` (${t('records.new')})`),
    facts.length ? h('dl', { class: 'facts' }, facts) : null,
    h('div', { class: 'grid' }, controls.map(([, , f]) => f)), admin ? save : null);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    // Replaced whole, and only if nobody changed it since it was shown (If-Match).
    save.disabled = true;
    try {
      const body = {};
      for (const [name, c] of controls) { const v = c.read(); if (v !== undefined) body[name] = v; }
      await S.api.request('PUT', path, { body, etag: loaded ? loaded.etag : undefined });
      await reload();
      say(t('done'));
    } catch (err) {
      sayError(err);
      if (err.status === 412) await reload().catch(() => {});  // show what it is now; the user checks and saves again
    } finally {
      save.disabled = false;
    }
  });
  const actions = admin && record ? k.actions.map((a) => lifecycle(S, path, a, reload)) : [];
  return h('div', {}, form, actions.length ? h('div', { class: 'actions' }, actions) : null);
}

function lifecycle(S, path, action, reload) {
  const reason = h('input', { name: 'reason', required: true, maxlength: 256 });
  const button = h('button', { type: 'submit' }, t(`records.action.${action}`, action));
  const form = h('form', { 'data-action': action }, field(t('reason'), reason), button);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (await act(button, () => S.api.post(`${path}/${action}`, { reason: reason.value.trim() }), t('done'))) await reload().catch(sayError);
  });
  return h('details', { class: 'act' }, h('summary', {}, t(`records.action.${action}`, action)), form);
}

