// ssc's page. Everything shown here that a peer chose (names, messages,
// session titles) is put on the screen with textContent, never as HTML.
// Nothing is stored in the browser; the keys stay in ssc.
'use strict';

const $ = (id) => document.getElementById(id);
const HOST_MARK = '\u25c6';

let ws = null;
let phase = 'wait';
let self = '';
let isHost = false;
let members = [];
let dmTo = '';
let dmGone = false; // the chosen recipient left: nothing goes to them, or to anyone by that name, until chosen again
let verifying = '';
let retries = 0;
let confirmed = null; // what the confirm dialog's button does
let onStandby = false; // another tab holds the seat

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function show(id) {
  for (const s of ['wait', 'form', 'chat']) $(s).hidden = s !== id;
}

// nameColor gives a name the same colour class on every screen.
function nameColor(name) {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(name.toLowerCase())) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return 'n' + (h % 6);
}

// nameEl is a member's name, with the host's mark when the roster says so.
function nameEl(name, host) {
  const s = el('span', 'name ' + nameColor(name));
  s.textContent = host ? HOST_MARK + ' ' + name : name;
  return s;
}

function connect() {
  const url = new URL('ws', location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  if (onStandby) url.search = 'standby'; // coming back does not take the seat from the other tab
  ws = new WebSocket(url.href);
  ws.onopen = () => { retries = 0; };
  ws.onmessage = (m) => {
    let msg;
    try { msg = JSON.parse(m.data); } catch { return; }
    receive(msg);
  };
  ws.onclose = () => {
    ws = null;
    if (phase === 'ended' || phase === 'failed') return;
    if (retries++ < 10) {
      setTimeout(connect, 1000);
      if (phase === 'chat') note('system', 'connection to ssc lost; reconnecting…');
    } else {
      waitText('ssc is not running any more.');
    }
  };
}

function waitText(t) {
  $('wait-text').textContent = t;
  $('take').hidden = true;
  show('wait');
}

// standby: another tab took the seat. This one can take it back, and gets
// it anyway when the other is closed.
function standby() {
  onStandby = true;
  closeDialogs();
  waitText('This session is open in another tab. Closing that tab brings it back here.');
  $('take').hidden = false;
  $('take').focus();
}

// reset forgets what the page shows: it took the seat, and everything
// follows again.
function reset() {
  onStandby = false;
  closeDialogs();
  $('log').replaceChildren();
  $('members').replaceChildren(); // the list follows, and keeps the chosen recipient if still here
}

function closeDialogs() {
  for (const d of document.querySelectorAll('dialog[open]')) d.close();
}

function send(obj) {
  if (ws && ws.readyState === WebSocket.OPEN) {
    ws.send(JSON.stringify(obj));
    return true;
  }
  return false;
}

function receive(msg) {
  switch (msg.type) {
    case 'state': return state(msg);
    case 'members': return roster(msg.members || []);
    case 'verify': return openVerify(msg.name, msg.number || []);
    case 'replaced': return standby();
    case 'reset': return reset();
    default: return entry(msg);
  }
}

function state(st) {
  phase = st.phase;
  if (st.phase === 'wait') return waitText('Connecting to ssc…');
  if (st.phase === 'failed') return waitText((st.end || ['ssc stopped.']).join('\n'));
  if (st.phase === 'form' || st.phase === 'joining') return form(st);
  self = st.self || '';
  isHost = !!st.isHost;
  show('chat');
  $('c-session').textContent = st.session || '';
  $('c-sub').textContent = 'you are ' + self + (isHost ? ' (host)' : '') +
    (!st.fingerprint ? '' : st.pinned ? ' · host fingerprint ' + st.fingerprint + ', as the link pinned'
      : ' · check that the host\'s screen shows fingerprint ' + st.fingerprint);
  $('c-leave').textContent = isHost ? 'End session' : 'Leave';
  panel(st.panel);
  const ended = st.phase === 'ended';
  $('ended').hidden = !ended;
  $('send').disabled = ended;
  $('send-button').disabled = ended;
  $('c-leave').disabled = ended;
  if (ended) {
    $('ended').replaceChildren();
    for (const line of st.end || ['the session is over']) $('ended').append(el('p', '', line));
    $('ended').append(el('p', 'hint', 'Everything is gone from memory. You can close this tab.'));
    $('log').scrollTop = $('log').scrollHeight;
  }
}

function form(st) {
  show('form');
  const f = st.form || {};
  const joining = st.phase === 'joining';
  const hosting = !!f.hosting;
  if (!$('f-name').value) $('f-name').value = f.name || '';
  if (!$('f-link').value) $('f-link').value = f.link || '';
  if (!$('f-title').value) $('f-title').value = f.title || '';
  $('f-heading').textContent = hosting ? 'Start a session' : 'Join a session';
  $('f-title-row').hidden = !hosting;
  $('f-link-row').hidden = hosting;
  $('f-pass-row').hidden = hosting || !f.askPassphrase;
  $('f-pass').required = !$('f-pass-row').hidden;
  $('f-hint').textContent = hosting
    ? 'ssc makes the passphrase and shows it here once the session is open; nothing is kept after it ends.'
    : 'The passphrase never leaves this machine: ssc proves it knows it without sending it.';
  $('f-submit').disabled = joining;
  $('f-submit').textContent = hosting ? (joining ? 'Starting…' : 'Start') : (joining ? 'Joining…' : 'Join');
  found(f);
  const p = $('f-problem');
  p.replaceChildren();
  for (const line of (joining ? [] : f.problem || [])) p.append(el('p', '', line));
  if (!joining) {
    const first = [$('f-name'), $('f-link'), $('f-pass')].find((i) => !i.closest('[hidden]') && !i.value);
    (first || $('f-submit')).focus();
  }
}

// found offers the sessions announced on the local network: choosing one
// puts its link, which pins the fingerprint it was announced with, in the
// link field. Anyone on the network can announce a session.
function found(f) {
  const box = $('f-found');
  box.hidden = !f.searching && !f.sessions;
  if (box.hidden) return;
  const list = $('f-sessions');
  list.replaceChildren();
  const sessions = f.sessions || [];
  $('f-found-status').textContent = f.searching ? 'Looking for sessions on this network…'
    : sessions.length === 0 ? 'No session found on this network: paste the link the host gave you.'
    : 'Choose one, and check its fingerprint with the host\'s screen:';
  for (const s of sessions) {
    const li = el('li');
    const b = el('button', 'session');
    b.type = 'button';
    b.append(el('strong', '', s.title), ' on ' + s.host + ' ', el('code', '', s.fingerprint));
    b.addEventListener('click', () => {
      $('f-link').value = s.link;
      ($('f-pass-row').hidden || $('f-pass').value ? $('f-submit') : $('f-pass')).focus();
    });
    li.append(b);
    list.append(li);
  }
}

function submitJoin(e) {
  e.preventDefault();
  const pass = $('f-pass');
  const bytes = new TextEncoder().encode(pass.value);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  bytes.fill(0);
  const req = { type: 'join', name: $('f-name').value };
  if (!$('f-link-row').hidden) req.link = $('f-link').value;
  if (!$('f-title-row').hidden && $('f-title').value.trim()) req.title = $('f-title').value;
  if (!$('f-pass-row').hidden) req.passphrase = btoa(bin);
  if (send(req)) pass.value = '';
}

function panel(p) {
  $('panel').hidden = !p;
  if (!p) return;
  const list = $('p-links');
  list.replaceChildren();
  for (const link of p.links || []) {
    const li = el('li');
    li.append(el('code', '', link));
    if (link.startsWith('ssc join ') && !link.includes('(')) li.append(copyButton(link));
    list.append(li);
  }
  $('p-pass').textContent = p.passphrase || '';
  $('p-state').textContent = p.locked ? 'Locked: nobody new can join, even with the passphrase.'
    : 'Open: anyone with the link and the passphrase can join.';
  $('p-state').classList.toggle('locked', !!p.locked);
  $('p-lock').textContent = p.locked ? 'Unlock' : 'Lock';
  $('p-lock').dataset.cmd = p.locked ? '/unlock' : '/lock';
}

function copyButton(text) {
  const b = el('button', '', 'Copy');
  b.type = 'button';
  b.addEventListener('click', () => copy(text, b));
  return b;
}

function copy(text, button) {
  navigator.clipboard.writeText(text).then(() => {
    button.textContent = 'Copied';
    setTimeout(() => { button.textContent = 'Copy'; }, 1500);
  }, () => { button.textContent = 'Copy failed'; });
}

function roster(list) {
  members = list;
  $('m-count').textContent = String(list.length);
  const ul = $('members');
  ul.replaceChildren();
  for (const m of list) {
    const li = el('li', 'member');
    const top = el('div', 'who');
    top.append(nameEl(m.name, m.host));
    if (m.self) top.append(el('span', 'tag', 'you'));
    else if (m.verified) top.append(el('span', 'tag ok', '\u2713 verified'));
    else top.append(el('span', 'tag', 'not verified'));
    li.append(top);
    if (m.fingerprint) li.append(el('code', 'fp', m.fingerprint));
    li.append(el('span', 'since', 'here since ' + m.since));
    if (!m.self) {
      const row = el('div', 'row');
      row.append(action('Message', () => directTo(m.name)));
      row.append(action('Verify', () => send({ type: 'verify', name: m.name })));
      if (isHost && !m.host) {
        row.append(action('Kick', () => ask('Remove ' + m.name + ' from the session? They can come back with the passphrase unless you lock the session.',
          'Kick', () => command('/kick ' + m.name)), 'danger'));
      }
      li.append(row);
    }
    ul.append(li);
  }
  // A recipient who left keeps the box theirs, saying so: what was typed
  // for them alone must not go to the room by the next Enter, nor to
  // whoever joins next under their name.
  if (dmTo && !list.some((m) => m.name === dmTo)) dmGone = true;
  $('to-gone').hidden = !dmGone;
}

function action(label, fn, cls) {
  const b = el('button', cls || '', label);
  b.type = 'button';
  b.addEventListener('click', fn);
  return b;
}

function directTo(name) {
  dmTo = name;
  dmGone = false;
  $('to-row').hidden = !name;
  $('to-name').textContent = name;
  $('to-gone').hidden = true;
  $('send').focus();
}

// command runs one command for a button: it does not wait behind lines
// typed before it.
function command(text) {
  send({ type: 'command', text: text });
}

// ask asks before doing what cannot be undone.
function ask(text, label, fn) {
  $('k-text').textContent = text;
  $('k-yes').textContent = label;
  confirmed = fn;
  $('confirm').showModal();
  $('k-no').focus();
}

// note adds a line in the session's own voice.
function note(cls, text) {
  const li = el('li', 'note ' + cls);
  li.textContent = '-- ' + text;
  append(li);
}

function append(li) {
  const log = $('log');
  const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  log.append(li);
  while (log.childElementCount > 2000) log.firstElementChild.remove();
  if (atBottom) log.scrollTop = log.scrollHeight;
}

const leaveWhy = { kicked: ' (kicked by the host)', lost: ' (connection lost)', 'too-slow': ' (too slow, dropped)' };

function entry(e) {
  switch (e.type) {
    case 'message': return message(e);
    case 'welcome': {
      const li = el('li', 'note system');
      li.append('-- you ' + (isHost ? 'are hosting' : 'joined') + ' "' + (e.session || '') + '" as ' + self + '; ');
      const names = e.names || [];
      if (names.length === 0) li.append('nobody else is here yet');
      else {
        li.append('here: ');
        names.forEach((n, i) => { if (i) li.append(', '); li.append(nameEl(n.name, n.host)); });
      }
      return append(li);
    }
    case 'join':
    case 'leave': {
      const li = el('li', 'note system');
      li.append('-- ', nameEl(e.name, e.nameHost));
      li.append(e.type === 'join' ? ' joined' + (e.addr ? ' from ' + e.addr : '') : ' left' + (leaveWhy[e.reason] || ''));
      return append(li);
    }
    case 'warning':
      for (const l of e.lines || []) note('warning', 'warning: ' + l);
      return;
    case 'error':
      for (const l of e.lines || []) note('error', l);
      return;
    default: // notice, output, end
      for (const l of e.lines || []) note('system', l);
  }
}

function message(e) {
  const li = el('li', 'msg ' + (e.to ? 'direct' : e.self ? 'own' : 'other'));
  li.append(el('time', 'clock', e.time || ''), ' ');
  if (e.action) li.append('* ');
  li.append(nameEl(e.from, e.fromHost));
  if (e.to) li.append(el('span', 'dm', ' \u2192 '), nameEl(e.to, e.toHost), el('span', 'dm', ' (direct)'));
  li.append(e.action ? ' ' : ': ');
  li.append(el('span', 'body', e.text || ''));
  append(li);
}

function openVerify(name, number) {
  verifying = name;
  $('v-name').textContent = name;
  $('v-name2').textContent = name;
  $('v-row1').textContent = number[0] || '';
  $('v-row2').textContent = number[1] || '';
  $('verify').showModal();
  $('v-cancel').focus();
}

function submitSend(e) {
  if (e) e.preventDefault();
  const box = $('send');
  let text = box.value;
  if (!text.trim()) return;
  if (dmGone) {
    note('error', dmTo + ' has left: nothing was sent. Choose a member, or Back to everyone.');
    return; // the text stays in the box
  }
  // A direct message names its recipient apart from the text, so no name
  // is ever read back out of a line.
  const req = dmTo ? { type: 'direct', name: dmTo, text: text } : { type: 'send', text: text };
  if (send(req)) box.value = '';
}

document.addEventListener('DOMContentLoaded', () => {
  $('join-form').addEventListener('submit', submitJoin);
  $('send-form').addEventListener('submit', submitSend);
  $('send').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) submitSend(e);
  });
  $('to-clear').addEventListener('click', () => directTo(''));
  $('c-leave').addEventListener('click', () => {
    if (isHost) ask('End the session for everyone? Everything in it is gone for good.', 'End session', () => command('/end'));
    else command('/quit');
  });
  $('p-pass-copy').addEventListener('click', () => copy($('p-pass').textContent, $('p-pass-copy')));
  $('p-lock').addEventListener('click', () => command($('p-lock').dataset.cmd || '/lock'));
  $('p-new').addEventListener('click', () => command('/passphrase new'));
  $('take').addEventListener('click', () => send({ type: 'take' }));
  $('k-yes').addEventListener('click', () => {
    const fn = confirmed;
    confirmed = null;
    $('confirm').close();
    if (fn) fn();
    $('send').focus();
  });
  $('k-no').addEventListener('click', () => { confirmed = null; $('confirm').close(); });
  $('confirm').addEventListener('close', () => { confirmed = null; });
  $('v-match').addEventListener('click', () => { command('/verified ' + verifying); $('verify').close(); });
  $('v-cancel').addEventListener('click', () => $('verify').close());
  $('members-box').open = window.matchMedia('(min-width: 720px)').matches;
  connect();
});
