// Makes the README's two screenshots from a small but lifelike service
// centre: the dispatch board after an auto-dispatch (desktop), and the
// engineer's visit on a 360-px phone. Not part of make test (the browser
// test takes its own screenshots every run); rerun when the screens change:
//   node tests/browser/readme_screens.mjs build/release/aftercare docs/screenshots
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, seed, launch, client, TOKENS } from './harness.mjs';

const [binary, outDir = 'docs/screenshots'] = process.argv.slice(2);
mkdirSync(outDir, { recursive: true });
const server = await startServer(binary);
const browser = await launch();
try {
  await seed(server.base);
  const admin = client(server.base, 'admin');
  const names = ['Wang Fang', 'Zhao Lei', 'Chen Jing', 'Liu Yang', 'Sun Hao', 'Zhou Min', 'Wu Qiang', 'Xu Li', 'Hu Jun', 'Guo Tao', 'Ma Lin'];
  for (const [i, name] of names.entries()) {
    await admin('PUT', `/v1/engineers/E-${i + 2}`, { name, region: 'north', active: true, outlet_id: 'O-1', skills: i % 4 ? ['washers'] : ['fridges'],
      location: { lat: 39.8 + i * 0.02, lon: 116.3 + (i % 5) * 0.04 } });
    await admin('POST', `/v1/engineers/E-${i + 2}/status`, { status: ['available', 'travelling', 'on_site', 'available', 'off_duty'][i % 5] });
  }
  const customers = [['C-2', '李娜 Li Na', '+86 139 1111 2222'], ['C-3', '王强 Wang Qiang', '+86 136 3333 4444'], ['C-4', '陈静 Chen Jing', '+86 135 5555 6666']];
  for (const [id, name, phone] of customers) await admin('PUT', `/v1/customers/${id}`, { name, phone, address: `北京市朝阳区建国路 ${id.slice(2)}8 号`, region: 'north', location: { lat: 39.9, lon: 116.4 } });
  const codes = ['E21', 'E04', 'F07', 'E21', 'H01', 'E13', 'E21', 'F07'];
  const ids = [];
  for (let i = 0; i < 14; i++) {
    const r = await admin('POST', '/v1/requests', { customer_id: customers[i % 3][0], channel: ['phone', 'web', 'sms'][i % 3], type: 'repair',
      product_model: 'WM-7', problem_code: codes[i % codes.length], priority: ['normal', 'high', 'urgent', 'low'][i % 4] });
    ids.push(r.json.id);
  }
  await client(server.base, 'dispatcher')('POST', `/v1/requests/${ids[1]}/dispatch`, {});
  await client(server.base, 'dispatcher')('POST', `/v1/requests/${ids[0]}/dispatch`, { engineer_id: 'E-1' });

  const desk = await (await browser.newContext({ viewport: { width: 1360, height: 900 } })).newPage();
  await desk.goto(server.base + '/');
  await desk.fill('input[name=token]', TOKENS.dispatcher);
  await desk.press('input[name=token]', 'Enter');
  await desk.waitForSelector('#nav a');
  await desk.click('#nav a[data-page=board]');
  await desk.locator('#waiting tbody tr').first().waitFor();
  await desk.locator('#waiting tbody tr button[data-act=auto]').first().click();
  await desk.waitForSelector('#why tr.chosen');
  await desk.waitForTimeout(300);
  await desk.screenshot({ path: join(outDir, 'console-board.png') });

  const phone = await (await browser.newContext({ viewport: { width: 360, height: 760 }, isMobile: true, hasTouch: true, locale: 'zh-CN' })).newPage();
  await phone.goto(server.base + '/');
  await phone.fill('input[name=token]', TOKENS.engineer);
  await phone.press('input[name=token]', 'Enter');
  const card = `article.task[data-dispatch="${ids[0]}.1"]`;
  await phone.waitForSelector(card);
  for (const step of ['accept', 'depart', 'arrive']) {
    await phone.locator(`${card} button[data-act=${step}]`).click();
    await phone.waitForSelector(`${card} button[data-act=${step}]`, { state: 'detached' });
  }
  await phone.waitForSelector('form.complete');
  await phone.fill('input[name=work_minutes]', '40');
  await phone.fill('textarea[name=notes]', '更换皮带张紧轮');
  await phone.fill('input[name=signature]', '李娜');
  await phone.waitForTimeout(300);
  await phone.screenshot({ path: join(outDir, 'engineer-phone.png'), fullPage: true });
  console.log(`wrote ${outDir}/console-board.png and ${outDir}/engineer-phone.png`);
} finally {
  await browser.close();
  await server.stop();
}
