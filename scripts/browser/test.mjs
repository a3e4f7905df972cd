// Browser test of ssc --ui: a host and a member in Debian's chromium
// (headless, driven by playwright-core; no browser is ever downloaded) and
// a --json member whose name and message are HTML. It checks what a person
// would notice: starting and joining through the forms, locking, messages
// both ways with the host's mark, a direct message, the verify dialog, a
// second tab, that a peer's HTML is shown as text and never becomes an
// element, that the CSP blocks nothing the page needs, a kick, and that
// ending the session shows on every page and ends every ssc. Screenshots
// go to scripts/browser/artefacts/ (ignored by git).
//
//   SSC=/path/to/ssc node scripts/browser/test.mjs
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const artefacts = join(here, 'artefacts');
mkdirSync(artefacts, { recursive: true });
const ssc = process.env.SSC;
if (!ssc) throw new Error('set SSC to the ssc binary');
const EVIL = '<img src=x onerror=alert(1)>';
const EVIL_TEXT = '<script>alert(2)</script><b>bold</b><img src=x onerror=alert(3)>';

const procs = [];
function run(args, env = {}) {
  // No xdg-open on PATH: the test is the browser.
  const p = spawn(ssc, args, { env: { PATH: '', HOME: tmpdir(), ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  p.out = ''; p.err = '';
  p.stdout.on('data', (d) => { p.out += d; });
  p.stderr.on('data', (d) => { p.err += d; });
  p.exited = new Promise((resolve) => p.on('exit', (code) => resolve(code)));
  procs.push(p);
  return p;
}

async function until(what, f, ms = 10000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const pageURL = (p) => until('the page address', () => (p.err.match(/http:\/\/127\.0\.0\.1:\d+\/open\/[A-Za-z0-9_-]{43}/) || [])[0]);

function check(cond, msg) { if (!cond) throw new Error(msg); }

const profile = mkdtempSync(join(tmpdir(), 'ssc-chromium-'));
let context;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1100, height: 720 },
  });
  const problems = [];
  const watch = (page, who) => {
    page.on('dialog', (d) => { problems.push(who + ': a dialog opened: ' + d.message()); d.dismiss(); });
    page.on('console', (m) => { if (m.type() === 'error') problems.push(who + ': console error: ' + m.text()); });
    page.on('pageerror', (e) => problems.push(who + ': ' + e.message));
  };

  // The host, in the browser: the page asks for the name.
  const host = run(['start', '--ui', '--title', 'Friday retro', '--listen', '127.0.0.1:0', '--no-mdns']);
  const hostURL = await pageURL(host);
  const alice = context.pages()[0] || await context.newPage();
  watch(alice, 'alice');
  await alice.goto(hostURL);
  check(!alice.url().includes('/open/'), 'the page stayed on the one-time address');
  await alice.getByRole('heading', { name: 'Start a session' }).waitFor();
  check(await alice.locator('#f-title').inputValue() === 'Friday retro', 'the title is not filled in');
  await alice.screenshot({ path: join(artefacts, 'start-form.png') });
  await alice.locator('#f-name').fill('alice');
  await alice.keyboard.press('Enter');
  await alice.locator('#panel').waitFor();
  const link = await until('the link', () => (host.out.match(/link:\s+(ssc:\/\/\S+)/) || [])[1]);
  check(!host.err.includes('passphrase:') && !host.out.includes('passphrase:'), 'the passphrase is on the terminal');
  const pass = (await alice.locator('#p-pass').textContent()).trim();
  check(pass.split('-').length === 4, 'no generated passphrase in the panel: ' + pass);
  await alice.getByText('another channel').waitFor();

  // The one-time address is void once used.
  const again = await (await context.newPage()).goto(hostURL);
  check(again.status() === 410, 'the one-time address worked twice: ' + again.status());

  // A member in the browser, through the form.
  const bobProc = run(['join', '--ui', '--name', 'bob', link]);
  const bob = await context.newPage();
  watch(bob, 'bob');
  await bob.goto(await pageURL(bobProc));
  await bob.locator('#f-pass').waitFor();
  await bob.setViewportSize({ width: 360, height: 640 });
  await bob.screenshot({ path: join(artefacts, 'form-360.png') });
  await bob.setViewportSize({ width: 1100, height: 720 });
  check(await bob.locator('#f-name').inputValue() === 'bob', 'the name is not filled in');
  await bob.locator('#f-pass').fill('wrong words here now');
  await bob.keyboard.press('Enter');
  await bob.getByText('wrong passphrase').waitFor();
  await bob.locator('#f-pass').fill(pass);
  await bob.locator('#f-pass').press('Enter');
  await bob.locator('#chat').waitFor();
  await bob.screenshot({ path: join(artefacts, 'join-done.png') });

  // Locked, the session turns a joiner away, and the panel says so.
  await alice.locator('#p-lock').click();
  await alice.locator('#p-state').getByText('Locked').waitFor();
  const turnedAway = run(['join', '--json', '--name', 'dave', link], { SSC_PASSPHRASE: pass });
  check(await turnedAway.exited === 5, 'a joiner got into a locked session: ' + turnedAway.out + turnedAway.err);
  await alice.locator('#p-lock').click();
  await alice.locator('#p-state').getByText('Open').waitFor();

  // Bob talks: Enter sends, Shift+Enter makes two lines, two messages.
  await bob.locator('#send').fill('hello from bob');
  await bob.locator('#send').press('Enter');
  await bob.locator('#send').type('line one');
  await bob.locator('#send').press('Shift+Enter');
  await bob.locator('#send').type('line two');
  await bob.locator('#send').press('Enter');
  await alice.locator('#log li.msg', { hasText: 'line two' }).waitFor();
  check(await alice.locator('#log li.msg', { hasText: 'line one' }).count() === 1, 'Shift+Enter did not make two messages');

  // The host's line carries the mark on bob's page, and only the host's.
  await alice.locator('#send').fill('welcome, everyone');
  await alice.keyboard.press('Enter');
  const hostLine = bob.locator('#log li.msg', { hasText: 'welcome, everyone' });
  await hostLine.waitFor();
  check((await hostLine.locator('.name').textContent()) === '\u25c6 alice', 'no host mark on the host\'s message');
  check((await bob.locator('#log li.msg', { hasText: 'hello from bob' }).locator('.name').textContent()) === 'bob', 'a mark on bob');

  // A direct message, chosen from the member list.
  await bob.locator('.member', { hasText: 'alice' }).getByRole('button', { name: 'Message' }).click();
  await bob.locator('#send').fill('just for you');
  await bob.keyboard.press('Enter');
  await alice.locator('#log li.msg.direct', { hasText: 'just for you' }).waitFor();
  await bob.locator('#to-clear').click();

  // Verify alice: the dialog shows the number, "They match" marks her.
  await bob.locator('.member', { hasText: 'alice' }).getByRole('button', { name: 'Verify' }).click();
  await bob.locator('#verify').waitFor();
  const row1 = await bob.locator('#v-row1').textContent();
  check(/^(\d{5} ){5}\d{5}$/.test(row1), 'no safety number in the dialog: ' + row1);
  await bob.screenshot({ path: join(artefacts, 'verify.png') });
  await bob.getByRole('button', { name: 'They match' }).click();
  await bob.locator('.member', { hasText: 'alice' }).getByText('verified').waitFor();

  await bob.screenshot({ path: join(artefacts, 'readme.png') });

  // A member in --json mode whose name and message are HTML.
  const carol = run(['join', '--json', '--name', EVIL, link], { SSC_PASSPHRASE: pass });
  await until('carol welcomed', () => carol.out.includes('"type":"welcome"'));
  carol.stdin.write(EVIL_TEXT + '\n');
  await bob.locator('#log').getByText(EVIL_TEXT).waitFor();
  await alice.locator('#log').getByText(EVIL_TEXT).waitFor();

  // A peer cannot start a line that passes for the host's, nor break the
  // layout with a character no line can break.
  const SPOOF = '12:00 \u25c6 alice: everyone please send me the passphrase';
  carol.stdin.write('hi' + ' '.repeat(400) + SPOOF + '\n');
  carol.stdin.write('Z' + '\u0489'.repeat(200) + '\n');
  await alice.locator('#log li.msg', { hasText: 'everyone please send me' }).waitFor();
  await alice.locator('#log li.msg', { hasText: 'Z\u0489' }).waitFor();
  const spoof = await alice.evaluate((needle) => {
    const li = [...document.querySelectorAll('#log li.msg')].find((l) => l.textContent.includes(needle));
    const text = li.querySelector('.body').firstChild;
    const r = document.createRange();
    r.setStart(text, text.data.indexOf(needle));
    r.setEnd(text, text.data.indexOf(needle) + 1);
    return { indent: r.getBoundingClientRect().left - li.getBoundingClientRect().left };
  }, SPOOF);
  check(spoof.indent >= 16, 'a peer\'s text starts a line flush with the real ones: ' + JSON.stringify(spoof));
  const layout = await alice.evaluate(() => ({
    page: document.documentElement.scrollWidth, view: window.innerWidth,
    aside: document.querySelector('aside').getBoundingClientRect().width,
  }));
  check(layout.page <= layout.view && layout.aside >= 250, 'a peer\'s message broke the layout: ' + JSON.stringify(layout));

  // Bob's lines reach a --json member too.
  await bob.locator('#send').fill('hi carol');
  await bob.keyboard.press('Enter');
  await until('carol got bob', () => carol.out.includes('"from":"bob","text":"hi carol"'));
  check(!carol.out.includes('just for you'), 'carol was shown a direct message');

  // A reload keeps the seat and shows the chat so far.
  await bob.reload();
  await bob.locator('#log li.msg', { hasText: 'hello from bob' }).waitFor();
  await bob.locator('.member', { hasText: 'alice' }).getByText('verified').waitFor();

  // A second tab takes the seat; the first says so and can take it back,
  // and closing the second leaves the first in the session.
  const bob2 = await context.newPage();
  watch(bob2, 'bob2');
  await bob2.goto(bob.url());
  await bob2.locator('#log li.msg', { hasText: 'hello from bob' }).waitFor();
  await bob.getByText('open in another tab').waitFor();
  await bob.getByRole('button', { name: 'Use it here' }).click();
  await bob.locator('#log li.msg', { hasText: 'hello from bob' }).waitFor();
  await bob2.getByText('open in another tab').waitFor();
  await bob2.close();
  await bob.locator('#send').fill('still here after the second tab');
  await bob.keyboard.press('Enter');
  await alice.locator('#log li.msg', { hasText: 'still here after the second tab' }).waitFor();

  // Keyboard only: Tab reaches a member's Verify, Enter opens the dialog,
  // Escape closes it, and the send box takes typing again.
  await bob.locator('.member', { hasText: 'alice' }).getByRole('button', { name: 'Message' }).focus();
  await bob.keyboard.press('Tab');
  await bob.keyboard.press('Enter');
  await bob.locator('#verify').waitFor();
  await bob.keyboard.press('Escape');
  await bob.locator('#verify').waitFor({ state: 'hidden' });
  await bob.locator('#send').focus();
  await bob.keyboard.type('typed without a mouse');
  await bob.keyboard.press('Enter');
  await alice.locator('#log li.msg', { hasText: 'typed without a mouse' }).waitFor();

  // Typed commands work as in the console.
  await bob.locator('#send').fill('/count');
  await bob.keyboard.press('Enter');
  await bob.getByText('-- 3 members here').waitFor();

  // A pasted block goes out whole, at the rate the session takes.
  const block = Array.from({ length: 45 }, (_, i) => 'pasted ' + i).join('\n');
  await bob.locator('#send').fill(block);
  await bob.keyboard.press('Enter');
  await bob.getByText('wait their turn').waitFor();
  await alice.locator('#log li.msg', { hasText: 'pasted 44' }).waitFor({ timeout: 20000 });
  check(await alice.locator('#log li.msg', { hasText: /pasted \d+$/ }).count() === 45, 'a pasted line was lost');
  check(await bob.getByText('faster than the session allows').count() === 0, 'the host refused a pasted line');

  // Nothing a peer sent became an element, a handler or a script.
  for (const [who, page] of [['bob', bob], ['alice', alice]]) {
    const found = await page.evaluate(() => ({
      img: document.querySelectorAll('img').length,
      b: document.querySelectorAll('#log b, #members b').length,
      scripts: document.querySelectorAll('script').length,
      handlers: [...document.querySelectorAll('*')].filter((e) => [...e.attributes].some((a) => a.name.startsWith('on'))).length,
    }));
    check(found.img === 0 && found.b === 0 && found.scripts === 1 && found.handlers === 0, who + ': peer HTML became elements: ' + JSON.stringify(found));
    check(await page.locator('#members').getByText(EVIL, { exact: true }).count() === 1, who + ': the HTML name is not shown as text');
  }

  // Bob is writing to carol alone when she is removed: what he types next
  // does not go to the room.
  await bob.locator('.member', { hasText: EVIL }).getByRole('button', { name: 'Message' }).click();

  // The host kicks carol, after saying yes to the question.
  await alice.locator('.member', { hasText: EVIL }).getByRole('button', { name: 'Kick' }).click();
  await alice.locator('#confirm').getByText('Remove').waitFor();
  await alice.locator('#k-yes').click();
  await bob.locator('#log li', { hasText: 'left (kicked by the host)' }).waitFor();
  check(await carol.exited === 5, 'carol was not told she was removed: ' + carol.err);
  await bob.locator('#m-count', { hasText: '2' }).waitFor();
  await alice.locator('#m-count', { hasText: '2' }).waitFor();
  await bob.locator('#to-gone').waitFor();
  await bob.locator('#send').fill('meant for carol alone');
  await bob.keyboard.press('Enter');
  await bob.locator('#log li.note', { hasText: 'has left: nothing was sent' }).waitFor();
  check(await bob.locator('#send').inputValue() === 'meant for carol alone', 'the refused line was not left in the box');
  check(await alice.getByText('meant for carol alone').count() === 0, 'a line meant for carol alone reached the room');
  await bob.locator('#to-clear').click();
  await bob.locator('#send').fill('');

  // Screenshots: desktop light and dark, 360 px wide.
  await alice.screenshot({ path: join(artefacts, 'host-desktop.png') });
  await bob.screenshot({ path: join(artefacts, 'member-desktop.png') });
  await bob.emulateMedia({ colorScheme: 'dark' });
  await bob.screenshot({ path: join(artefacts, 'member-desktop-dark.png') });
  await bob.setViewportSize({ width: 360, height: 740 });
  await bob.screenshot({ path: join(artefacts, 'member-360.png') });
  const overflow = await bob.evaluate(() => document.documentElement.scrollWidth);
  check(overflow <= 360, 'the page is wider than 360 px: ' + overflow);
  await bob.emulateMedia({ colorScheme: 'light' });

  // The host ends the session: every page says so, every ssc exits 0.
  await alice.getByRole('button', { name: 'End session' }).click();
  await alice.locator('#confirm').getByText('for everyone').waitFor();
  await alice.locator('#k-yes').click();
  await bob.locator('#ended').getByText('session ended by the host').waitFor();
  await alice.locator('#ended').getByText('you ended the session').waitFor();
  await bob.screenshot({ path: join(artefacts, 'ended.png') });
  const codes = await Promise.race([
    Promise.all([host.exited, bobProc.exited]),
    new Promise((_, reject) => setTimeout(() => reject(new Error('ssc did not exit after the end')), 10000)),
  ]);
  check(codes.every((c) => c === 0), 'exit statuses ' + codes);
  check(problems.length === 0, problems.join('\n'));
  console.log('browser test: all passed; screenshots in ' + artefacts);
} finally {
  if (context) await context.close();
  for (const p of procs) if (p.exitCode === null) p.kill();
  rmSync(profile, { recursive: true, force: true });
}
