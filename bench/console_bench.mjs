// The console under a big service organisation's load (issue 16): the
// dispatch board with 1,000 engineers and 5,000 open requests must stay
// responsive (≤ 100 ms per update), and the console's first contentful
// paint must be ≤ 1 s. Prints figures; asserts nothing (bench/README.md).
//
//   node bench/console_bench.mjs <aftercare binary> [engineers] [requests] [updates]
//
// Seeds a fresh `aftercare serve` over the public API, opens the board in
// Debian's chromium as a dispatcher, then times `updates` refreshes, each
// after 10 requests were dispatched and 20 engineers changed status
// (what a busy minute looks like). For each refresh it reports the
// browser's work applying the data to the page (the update) and the whole
// refresh with the API calls.
import { startServer, client, launch, TOKENS } from '../tests/browser/harness.mjs';

const [binary, engineers = '1000', requests = '5000', updates = '20'] = process.argv.slice(2);
const nEng = Number(engineers), nReq = Number(requests), nUpd = Number(updates);

async function pool(n, width, fn) {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => { while (next < n) await fn(next++); }));
}
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };

const server = await startServer(binary);
try {
  const admin = client(server.base, 'admin');
  const dispatcher = client(server.base, 'dispatcher');
  const must = async (r) => { const x = await r; if (x.status >= 300) throw new Error(`${x.status} ${JSON.stringify(x.json)}`); return x; };
  await must(admin('PUT', '/v1/products/WM-7', { name: 'Washer', category: 'washer', required_skill: 'washers', warranty_months: 24 }));
  await must(admin('PUT', '/v1/customers/C-1', { name: 'Bench Co', phone: '+86 10 1234 5678', region: 'north', location: { lat: 39.9, lon: 116.4 } }));
  let t0 = Date.now();
  await pool(nEng, 16, (i) => must(admin('PUT', `/v1/engineers/E-${i}`, { name: `Engineer ${i}`, region: 'north', active: true, skills: ['washers'],
    location: { lat: 39.5 + (i % 100) / 100, lon: 116 + Math.floor(i / 100) / 10 } })));
  await pool(nEng, 16, (i) => must(admin('POST', `/v1/engineers/E-${i}/status`, { status: i % 3 ? 'available' : 'off_duty' })));
  const ids = [];
  await pool(nReq, 16, async (i) => {
    const r = await must(admin('POST', '/v1/requests', { customer_id: 'C-1', channel: 'phone', type: 'repair', product_model: 'WM-7',
      problem_code: `E${i % 40}`, priority: ['low', 'normal', 'high', 'urgent'][i % 4] }));
    ids.push(r.json.id);
  });
  console.log(`seeded ${nEng} engineers and ${nReq} open requests in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const browser = await launch();
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  await page.goto(server.base + '/');
  await page.waitForSelector('input[name=token]');
  const fcp = await page.evaluate(() => Math.round(performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1));
  const ready = await page.evaluate(() => Math.round(performance.getEntriesByName('aftercare:signin-ready')[0]?.startTime ?? -1));
  await page.fill('input[name=token]', TOKENS.dispatcher);
  t0 = Date.now();
  await page.press('input[name=token]', 'Enter');
  await page.waitForSelector('#nav a');
  await page.goto(`${server.base}/#/board`);
  await page.waitForFunction(() => window.aftercare.boardUpdates >= 1, null, { timeout: 120000 });
  const firstLoad = Date.now() - t0;
  const firstApply = await page.evaluate(() => window.aftercare.boardUpdateMs);

  const apply = [];
  const refresh = [];
  let d = 0;
  for (let u = 0; u < nUpd; u++) {
    await pool(10, 5, async () => { const id = ids[d++]; await dispatcher('POST', `/v1/requests/${id}/dispatch`, {}); });
    await pool(20, 5, async (k) => { const i = (u * 20 + k) % nEng; await admin('POST', `/v1/engineers/E-${i}/status`, { status: ['available', 'travelling', 'on_site'][(u + k) % 3] }); });
    const r = await page.evaluate(async () => {
      const started = performance.now();
      await window.aftercare.refresh();
      return { total: performance.now() - started, apply: window.aftercare.boardUpdateMs };
    });
    apply.push(r.apply);
    refresh.push(r.total);
  }
  // Typing in the filter: the update runs on each key press, without the network.
  const typing = [];
  for (const f of ['E1', 'E1 ', 'north', '']) {
    typing.push(await page.evaluate((v) => { const el = document.querySelector('input[name=filter]'); el.value = v; el.dispatchEvent(new Event('input')); return window.aftercare.boardUpdateMs; }, f));
  }
  const rows = await page.evaluate(() => ({ engineers: document.querySelectorAll('#engineers tbody tr').length, waiting: document.querySelectorAll('#waiting tbody tr').length }));
  await browser.close();
  const f = (x) => x.toFixed(1);
  console.log(`console first contentful paint: ${fcp} ms (target ≤ 1000); the sign-in form drawn at ${ready} ms`);
  console.log(`board first load (sign-in, ${nEng} engineers, ${nReq} requests over the API, render): ${firstLoad} ms; its DOM update ${f(firstApply)} ms`);
  console.log(`board update after each busy minute (${nUpd} updates): p50 ${f(pct(apply, 0.5))} ms, p99/max ${f(Math.max(...apply))} ms (target ≤ 100 ms)`);
  console.log(`board refresh with its API calls: p50 ${f(pct(refresh, 0.5))} ms, max ${f(Math.max(...refresh))} ms`);
  console.log(`filter key press: max ${f(Math.max(...typing))} ms; rows in the DOM: ${rows.engineers} engineers, ${rows.waiting} requests`);
} finally {
  await server.stop();
}
