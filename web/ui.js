// Small DOM helpers shared by the console and the portal. Text always goes in
// as text (textContent), never as markup: a customer's name or a problem
// description cannot become HTML.
import { t, lang, statusName } from './i18n.js';

export function h(tag, attrs = {}, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'value') el.value = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const kid of kids.flat()) {
    if (kid === undefined || kid === null || kid === false) continue;
    el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
  return el;
}

let uid = 0;
// A labelled control: the label names it for screen readers and clicks.
export function field(label, control, hint) {
  const id = control.id || (control.id = `f${++uid}`);
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hint ? h('small', {}, hint) : null);
}

export function select(name, options, value) {
  return h('select', { name }, options.map(([v, label]) => h('option', { value: v, selected: v === value }, label)));
}

export function badge(status) {
  return h('span', { class: `badge s-${status}` }, statusName(status));
}

// Formatters are costly to make (the board formats thousands of times per
// update): one per language and shape, kept.
const formatters = new Map();
function formatter(seconds, withDate) {
  const key = `${lang()}/${seconds}/${withDate}`;
  if (!formatters.has(key)) {
    formatters.set(key, new Intl.DateTimeFormat(lang() === 'zh' ? 'zh-CN' : 'en', {
      hour: '2-digit', minute: '2-digit', ...(seconds ? { second: '2-digit' } : {}),
      ...(withDate ? { year: 'numeric', month: 'short', day: 'numeric' } : {}) }));
  }
  return formatters.get(key);
}

// Today's times as a time, older ones as a date and time; the exact instant in the tooltip.
export function time(iso, { seconds = false } = {}) {
  if (!iso) return '—';
  const d = new Date(iso);
  const today = d.toDateString() === new Date().toDateString();
  return h('time', { datetime: iso, title: iso, class: 'nowrap' }, formatter(seconds, !today).format(d));
}

export function money(minor) {
  return (Number(minor || 0) / 100).toFixed(2);
}

// The live region: what just happened or went wrong, read out by screen readers.
export function say(text, kind = 'ok') {
  const box = document.getElementById('notice');
  box.className = `notice ${kind}`;
  box.textContent = text;
  box.hidden = !text;
}

export function sayError(err) {
  say(err && err.words ? err.words : String(err && err.message ? err.message : err), 'error');
}

// Runs an action from a form: disables its button while it runs, shows the
// problem in words when it fails.
export async function act(button, fn, done) {
  button.disabled = true;
  try {
    const r = await fn();
    if (done) say(done, 'ok');
    return r;
  } catch (e) {
    sayError(e);
    return undefined;
  } finally {
    button.disabled = false;
  }
}

// A table in a box that scrolls sideways on a phone; the box takes the
// keyboard focus so that it can be scrolled without a mouse.
export function table(headers, rows, { caption } = {}) {
  return h('div', { class: 'scroll', tabindex: 0, role: 'region', 'aria-label': caption || headers.filter(Boolean).slice(0, 3).join(', ') },
    h('table', {}, caption ? h('caption', {}, caption) : null,
      h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, rows)));
}

export function empty(text) { return h('p', { class: 'empty' }, text || t('none')); }

// Why auto-dispatch chose this engineer: the ranking stored in the offered event.
export function explain(candidates) {
  return table([t('engineer'), t('score'), t('distance'), t('workload'), t('skill'), t('parts')], candidates.map((c, i) =>
    h('tr', { class: i === 0 ? 'chosen' : '' }, h('td', {}, c.engineer_id), h('td', {}, c.score),
      h('td', {}, c.distance_km == null ? '—' : `${Number(c.distance_km).toFixed(1)} km`), h('td', {}, c.open_dispatches ?? '—'),
      h('td', {}, c.skill_match ? '✓' : '—'), h('td', {}, c.parts_on_hand == null ? '—' : c.parts_on_hand ? '✓' : '✗'))),
    { caption: t('dispatch.why') });
}

