// The customers' self-service portal: sign in with the access code the
// service centre issued (docs/portal.md; also accepted as /portal#code=…),
// open a repair for one of my appliances, and follow my requests. The code
// is a customer token: the server shows it this customer's records only.
import { Api, q } from './api.js';
import { t, lang, setLang } from './i18n.js';
import { h, field, select, act, say, empty, time } from './ui.js';

const P = { api: null, me: null, timer: null };
window.aftercarePortal = P;
const main = () => document.getElementById('main');
const STEPS = ['awaiting_assignment', 'assigned', 'processed', 'closed'];

function frame() {
  document.documentElement.lang = lang() === 'zh' ? 'zh-CN' : 'en';
  document.title = t('portal.title');
  document.getElementById('lang').textContent = lang() === 'zh' ? 'English' : '中文';
  document.getElementById('lang').lang = lang() === 'zh' ? 'en' : 'zh';
  document.querySelector('.skip').textContent = t('skip');
  document.getElementById('signout').hidden = !P.me;
  document.getElementById('signout').textContent = t('signout');
}

async function signIn(code) {
  const api = new Api(code);
  const me = await api.get('/v1/me').catch((e) => { throw e.status === 401 ? new Error(t('portal.expired')) : e; });
  if (me.role !== 'customer') throw new Error(t('portal.expired'));
  P.api = api;
  P.me = me;
  sessionStorage.setItem('aftercare.portal', code);
  frame();
  await home();
}

function signInPage() {
  const input = h('input', { type: 'password', name: 'code', autocomplete: 'one-time-code', required: true });
  const form = h('form', { class: 'card narrow' }, h('h1', {}, t('portal.mine')), h('p', {}, t('portal.signin_help')),
    field(t('portal.code'), input), h('button', { type: 'submit' }, t('signin.go')));
  form.addEventListener('submit', (e) => { e.preventDefault(); act(form.querySelector('button'), () => signIn(input.value.trim())); });
  main().replaceChildren(form);
  input.focus();
}

function progress(status) {
  const at = STEPS.indexOf(status === 'suspended' || status === 'locked' ? 'awaiting_assignment' : status);
  return h('div', { class: 'steps', 'aria-hidden': 'true' }, STEPS.map((_, i) => h('span', { class: i <= at ? 'on' : '' })));
}

async function home() {
  clearInterval(P.timer);
  const hist = await P.api.get(`/v1/customers/${q(P.me.customer_id)}/history`);
  document.getElementById('who').textContent = hist.customer.name;
  const unit = select('serial_no', hist.units.map((u) => [u.id, `${u.product_model || ''} · ${u.id}`]), hist.units[0] && hist.units[0].id);
  const type = select('type', ['repair', 'installation', 'consultation', 'complaint'].map((x) => [x, t(`type.${x}`)]), 'repair');
  const desc = h('textarea', { name: 'description', rows: 4, maxlength: 8192, required: true });
  const form = h('form', { class: 'card', 'aria-labelledby': 'new-h' }, h('h2', { id: 'new-h' }, t('portal.new')),
    hist.units.length ? field(t('portal.which'), unit) : null, field(t('type'), type), field(t('portal.what'), desc),
    h('button', { type: 'submit' }, t('portal.send')));
  let key = crypto.randomUUID();
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { customer_id: P.me.customer_id, channel: 'web', type: type.value, description: desc.value.trim() };
    if (hist.units.length && unit.value) body.serial_no = unit.value;
    const r = await act(form.querySelector('button'), () => P.api.post('/v1/requests', body, { key }), t('portal.sent'));
    if (r) { desc.value = ''; key = crypto.randomUUID(); await list().catch(() => {}); }
  });
  const mine = h('div', { id: 'mine' });
  main().replaceChildren(h('h1', {}, t('portal.mine')), form, h('h2', {}, t('portal.mine')), mine);
  const list = async () => {
    const page = await P.api.get(`/v1/requests?limit=50`);
    mine.replaceChildren(...(page.items.length ? page.items.map((r) => h('article', { class: 'card', 'data-id': r.id },
      h('p', { class: 'req-status' }, t(`pstatus.${r.status}`, r.status)), progress(r.status),
      h('p', {}, `${t(`type.${r.type}`)} · ${r.product_model || ''} ${r.serial_no ? `(${r.serial_no})` : ''}`),
      r.description ? h('p', { class: 'muted' }, r.description) : null,
      h('p', { class: 'muted' }, `${r.id} · `, time(r.opened_at)))) : [empty()]));
  };
  await list();
  P.timer = setInterval(() => { if (!document.hidden) list().catch(() => {}); }, 3000);
}

document.getElementById('lang').addEventListener('click', () => { setLang(lang() === 'zh' ? 'en' : 'zh'); frame(); P.me ? home() : signInPage(); });
function signOut() {
  sessionStorage.removeItem('aftercare.portal');
  clearInterval(P.timer);
  P.api = P.me = null;
  document.getElementById('who').textContent = '';
  frame();
  signInPage();
}
document.getElementById('signout').addEventListener('click', signOut);
// The code expired while the page was open: say so, and ask for a new one.
window.addEventListener('aftercare:unauthorized', () => {
  if (!P.me) return;
  signOut();
  say(t('portal.expired'), 'error');
});
frame();
// A link from the service centre carries the code in the fragment (never sent to the server in a URL).
const fromLink = new URLSearchParams(location.hash.slice(1)).get('code');
if (fromLink) history.replaceState(null, '', '/portal');
const code = fromLink || sessionStorage.getItem('aftercare.portal');
if (code) signIn(code).catch((e) => { say(e.message, 'error'); signInPage(); });
else signInPage();
