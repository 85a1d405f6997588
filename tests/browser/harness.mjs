// What the browser tests and the console bench share: a real `aftercare
// serve` on a fresh data directory with a token of every role, seeded over
// the public API, and Debian's chromium driven by playwright-core.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const TOKENS = {
  admin: 'admin-browser-token-0123456789',
  agent: 'agent-browser-token-0123456789',
  dispatcher: 'dispatcher-browser-token-0123456789',
  engineer: 'engineer-browser-token-0123456789',
  manager: 'manager-browser-token-0123456789',
  auditor: 'auditor-browser-token-0123456789',
  warehouse: 'warehouse-browser-token-0123456789',
};

export async function startServer(binary, { args = [] } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'aftercare-browser-'));
  writeFileSync(join(dir, 'tokens.json'), JSON.stringify([
    { token: TOKENS.admin, role: 'admin', name: 'root' },
    { token: TOKENS.agent, role: 'agent', name: 'lin' },
    { token: TOKENS.dispatcher, role: 'dispatcher', name: 'dong' },
    { token: TOKENS.engineer, role: 'engineer', name: 'li', engineer_id: 'E-1' },
    { token: TOKENS.manager, role: 'manager', name: 'ma' },
    { token: TOKENS.auditor, role: 'auditor', name: 'shen' },
    { token: TOKENS.warehouse, role: 'warehouse', name: 'ku' },
  ]));
  const child = spawn(binary, ['serve', '--listen', '127.0.0.1:0', '--data', join(dir, 'data'), '--tokens', join(dir, 'tokens.json'), ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${log}`)), 60000);
    const onData = (b) => {
      log += b.toString();
      const m = log.match(/listening on ([\d.]+:\d+)/);
      if (m) { clearTimeout(timer); resolve(`http://${m[1]}`); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`the server exited (${code}):\n${log}`)));
  });
  return {
    base,
    log: () => log,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// A client of the API for seeding and checking, with the role's token.
export function client(base, role) {
  return async (method, path, body, headers = {}) => {
    const res = await fetch(base + path, {
      method,
      headers: { Authorization: `Bearer ${TOKENS[role] || role}`, 'Content-Type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : null, headers: res.headers };
  };
}

export async function seed(base) {
  const admin = client(base, 'admin');
  const must = async (method, path, body) => {
    const r = await admin(method, path, body);
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
    return r.json;
  };
  await must('PUT', '/v1/products/WM-7', { name: 'Washer WM-7', category: 'washer', required_skill: 'washers', warranty_months: 24 });
  await must('PUT', '/v1/outlets/O-1', { name: 'Haidian service', region: 'north', fee_per_visit: { on_site: 8000, installation: 12000, phone: 1000 } });
  await must('POST', '/v1/outlets/O-1/certify', { reason: 'audit passed' });
  await must('PUT', '/v1/engineers/E-1', { name: 'Li Wei', region: 'north', active: true, outlet_id: 'O-1', skills: ['washers'], location: { lat: 39.92, lon: 116.41 } });
  await must('PUT', '/v1/customers/C-1', { name: '张三 Zhang San', phone: '+86 138-0013-8000', address: '北京市海淀区中关村大街 1 号 Zhongguancun St 1, Haidian, Beijing', region: 'north', location: { lat: 39.95, lon: 116.35 } });
  await must('PUT', '/v1/units/SN-1', { product_model: 'WM-7', customer_id: 'C-1', installed_at: '2026-03-01T00:00:00Z' });
  await must('PUT', '/v1/warehouses/W-C', { name: 'Beijing central', kind: 'central', region: 'north' });
  await must('PUT', '/v1/warehouses/W-O1', { name: 'Haidian outlet', kind: 'outlet', region: 'north' });
  await must('PUT', '/v1/units/SN-2', { product_model: 'WM-7', customer_id: 'C-1' });
  const engineer = client(base, 'engineer');
  const st = await engineer('POST', '/v1/engineers/E-1/status', { status: 'available', location: { lat: 39.92, lon: 116.41 } });
  if (st.status !== 201) throw new Error(`status report: ${st.status}`);
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}
