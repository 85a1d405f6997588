// The console's and the portal's only way to the server: the public HTTP API
// with the user's bearer token. Commands carry an Idempotency-Key (a retry
// never duplicates) and remember where their events landed (X-Position), so
// that the reads after them wait for the read models to include them
// (X-Min-Position) — the user never sees a page older than their own action.
import { t } from './i18n.js';

// A problem+json answer, in words for the user: the server's detail plus
// what the status means for what they tried.
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || String(status));
    this.status = status;
    this.problem = problem;
  }
  get words() {
    const hint = t(`problem.${this.status}`, '');
    return hint ? `${hint}: ${this.message}` : this.message;
  }
}

// Positions are "<topic><partition>:<next offset>" lists; the union keeps the
// highest offset per partition (the server's Position::advance).
function mergePositions(a, b) {
  const m = new Map();
  for (const tok of [a, b]) {
    if (!tok) continue;
    for (const part of tok.split(',')) {
      const [k, v] = part.split(':');
      m.set(k, Math.max(Number(v), m.get(k) ?? 0));
    }
  }
  return [...m].map(([k, v]) => `${k}:${v}`).join(',');
}

export class Api {
  constructor(token) {
    this.token = token;
    this.position = '';  // the union of the positions of this session's commands
  }

  async request(method, path, { body, etag, key } = {}) {
    const headers = { Authorization: `Bearer ${this.token}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method === 'GET' && this.position) headers['X-Min-Position'] = this.position;
    if (method !== 'GET') headers['Idempotency-Key'] = key || crypto.randomUUID();
    if (etag) headers['If-Match'] = etag;
    let res;
    try {
      res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) {
      throw new ApiError(0, { detail: t('problem.network') });
    }
    const pos = res.headers.get('X-Position');
    if (pos && method !== 'GET') this.position = mergePositions(this.position, pos);
    const text = await res.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch { json = null; }
    if (res.status === 401) window.dispatchEvent(new Event('aftercare:unauthorized'));
    if (!res.ok) throw new ApiError(res.status, json || { detail: text || res.statusText });
    return { json, etag: res.headers.get('ETag'), status: res.status };
  }

  async get(path) { return (await this.request('GET', path)).json; }
  async getWithEtag(path) { return this.request('GET', path); }
  async post(path, body = {}, opts = {}) { return (await this.request('POST', path, { ...opts, body })).json; }
  async put(path, body, opts = {}) { return (await this.request('PUT', path, { ...opts, body })).json; }

  // Every page of a list, up to `max` items.
  async all(path, max = 5000) {
    const items = [];
    let cursor = null;
    do {
      const sep = path.includes('?') ? '&' : '?';
      const page = await this.get(`${path}${sep}limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      items.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor && items.length < max);
    return items;
  }
}

export const q = encodeURIComponent;
