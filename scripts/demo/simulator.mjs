// The customers of the demo: every few seconds one of them writes on their channel — through the
// fake Telegram / WhatsApp / MAX servers (which POST signed webhooks to Onebox exactly as the
// platforms do) or through the website chat's socket.io namespace, as the widget does.
// Colleagues (the two demo managers) answer and resolve the customers that are "theirs", so the
// inbox shows assignment, replies and resolved conversations; everyone else waits for you.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { CLOSINGS, CUSTOMERS, GREETINGS_AGAIN, MAX_START_PAYLOADS, STORIES } from './customers.mjs';
import { productPhoto } from './png.mjs';

const require = createRequire(import.meta.url);
const { io } = require('socket.io-client');

const CHANNEL_LABELS = { telegram: 'Telegram', whatsapp: 'WhatsApp', max: 'MAX', webchat: 'Website' };
const CHANNEL_ORDER = ['telegram', 'whatsapp', 'max', 'webchat'];
/** How many customers may be mid-story at once: enough for a busy list, few enough to follow. */
const MAX_ACTIVE = 6;

const pick = (list) => list[Math.floor(Math.random() * list.length)];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const between = (min, max) => min + Math.random() * (max - min);

export class Simulator {
  /**
   * @param {object} o
   * @param {{telegram: any, whatsapp: any, max: any}} o.fakes
   * @param {string} o.base Onebox origin for sockets and the API
   * @param {Record<string, {id: string, widgetKey?: string}>} o.channels by type
   * @param {Record<string, {api: import('./api.mjs').OneboxApi, user: {id: string, name: string}}>} o.colleagues
   * @param {{min: number, max: number}} o.interval between customer messages, ms
   * @param {number | null} o.maxMessages stop after this many customer messages
   * @param {string} o.statePath where website visitors' tokens are kept between runs
   * @param {(line: string) => void} o.log
   */
  constructor(o) {
    Object.assign(this, o);
    this.sent = 0;
    this.stopped = false;
    this.pending = new Set();
    this.visitorTokens = this.loadState();
    const colleagueKeys = Object.keys(this.colleagues);
    this.states = CUSTOMERS.filter((c) => this.channels[c.channel]).map((c, i) => ({
      c,
      story: null,
      step: 0,
      visits: 0,
      lastStory: -1,
      busy: false,
      waiting: false,
      doneAt: 0,
      readyAt: 0,
      // Two of every five customers belong to a colleague; the rest are left for you.
      colleague: colleagueKeys.length && i % 5 < 2 ? colleagueKeys[i % colleagueKeys.length] : null,
      chain: Promise.resolve(),
    }));
    this.finished = new Promise((resolve) => (this.resolveFinished = resolve));
  }

  start() {
    void this.loop();
    return this.finished;
  }

  async stop() {
    this.stopped = true;
    await Promise.race([Promise.allSettled([...this.pending]), sleep(5000)]);
  }

  async loop() {
    while (!this.stopped) {
      if (this.maxMessages !== null && this.sent >= this.maxMessages) break;
      const state = this.next();
      if (state) await this.track(this.act(state));
      if (this.stopped) break;
      await sleep(between(this.interval.min, this.interval.max));
    }
    // Let colleagues finish what they started before reporting completion.
    await Promise.race([Promise.allSettled([...this.pending, ...this.states.map((s) => s.chain)]), sleep(10_000)]);
    this.resolveFinished(this.sent);
  }

  track(promise) {
    const tracked = promise.catch((err) => this.log(`  ⚠ ${err.message}`)).finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
    return tracked;
  }

  /** The first four messages come one per channel; then follow-ups, newcomers and returning customers. */
  next() {
    const now = Date.now();
    const idle = this.states.filter((s) => !s.busy && s.readyAt <= now);
    const fresh = idle.filter((s) => s.visits === 0);
    if (this.sent < CHANNEL_ORDER.length) {
      const wanted = fresh.filter((s) => s.c.channel === CHANNEL_ORDER[this.sent]);
      if (wanted.length) return pick(wanted);
    }
    const active = idle.filter((s) => s.story && s.step < s.story.length && !s.waiting);
    // Customers come back a while after their story ended (and after a colleague closed it).
    const comeback = Math.max(20_000, this.interval.max * 12);
    const done = idle.filter((s) => s.story && s.step >= s.story.length && !s.waiting && now - s.doneAt > comeback);
    const crowded = active.length >= MAX_ACTIVE;
    const roll = Math.random();
    if (active.length && (crowded || roll < 0.55)) return pick(active);
    if (fresh.length && roll < 0.85) return pick(fresh);
    if (done.length) return pick(done);
    return pick(active.length ? active : fresh.length ? fresh : done) ?? null;
  }

  async act(state) {
    state.busy = true;
    try {
      if (!state.story || state.step >= state.story.length) {
        const stories = STORIES[state.c.lang];
        let index = Math.floor(Math.random() * stories.length);
        if (index === state.lastStory) index = (index + 1) % stories.length;
        state.lastStory = index;
        state.story = stories[index];
        state.step = 0;
        state.visits += 1;
        // A MAX customer often arrives through a deep link: "Start" first, with where they came from.
        if (state.c.channel === 'max' && state.visits === 1 && Math.random() < 0.6) {
          const payload = pick(MAX_START_PAYLOADS);
          await this.expect(
            this.fakes.max.customerStartsBot({
              userId: state.c.userId,
              name: state.c.name,
              username: state.c.username,
              payload,
            }),
          );
          this.count(state, `▶ Start (${payload})`);
          state.readyAt = Date.now() + between(1, 2) * this.interval.max;
          return;
        }
      }
      const step = state.story[state.step];
      let current = step;
      let again = '';
      if (state.visits > 1 && state.step === 0) {
        // "Hi again! Hello! …" reads oddly: a returning customer's greeting replaces the story's own.
        again = pick(GREETINGS_AGAIN[state.c.lang]);
        if (again && step.text) current = { ...step, text: capitalize(step.text.replace(GREETING, '')) };
      }
      const shown = await this.send(state, current, again);
      state.step += 1;
      this.count(state, shown);
      // People type between messages: the next one from this customer comes a few turns later.
      state.readyAt = Date.now() + between(3, 6) * this.interval.max;
      const last = state.step >= state.story.length;
      if (last) state.doneAt = Date.now();
      if (state.colleague && (step.reply || last)) {
        // The customer waits for the colleague's answer before the next question.
        const closing = last ? pick(CLOSINGS[state.c.lang]) : null;
        state.waiting = true;
        state.chain = state.chain
          .then(() => this.track(this.colleagueAnswers(state, step.reply ?? closing, last)))
          .finally(() => (state.waiting = false));
      }
    } finally {
      state.busy = false;
    }
  }

  count(state, shown) {
    this.sent += 1;
    const { c } = state;
    const label = CHANNEL_LABELS[c.channel].padEnd(8);
    this.log(`${clock()}  ${label} ${c.name} › ${shorten(shown)}`);
  }

  /** One customer step on the customer's channel; answers the text shown in the log. */
  async send(state, step, prefix) {
    const { c } = state;
    const [firstName, ...rest] = c.name.split(' ');
    const lastName = rest.join(' ') || undefined;
    const seed = c.name.length + state.step;
    switch (c.channel) {
      case 'telegram': {
        const who = { chatId: c.chatId, firstName, lastName, username: c.username, languageCode: c.lang };
        const tg = this.fakes.telegram;
        if (step.photo) {
          await this.expect(
            tg.customerSendsPhoto({ ...who, bytes: productPhoto(seed), caption: prefix + step.caption }),
          );
          return `📷 ${prefix}${step.caption}`;
        }
        if (step.button) {
          await this.expect(tg.customerPressesButton({ chatId: c.chatId, data: step.button }));
          return `[${step.button}]`;
        }
        await this.expect(tg.customerWrites({ ...who, text: prefix + step.text }));
        return prefix + step.text;
      }
      case 'whatsapp': {
        const who = { waId: c.waId, name: c.name };
        const wa = this.fakes.whatsapp;
        if (step.photo) {
          await this.expect(
            wa.customerSendsImage({
              ...who,
              data: productPhoto(seed),
              mimeType: 'image/png',
              caption: prefix + step.caption,
            }),
          );
          return `📷 ${prefix}${step.caption}`;
        }
        if (step.button) {
          await this.expect(wa.customerPressesButton({ ...who, id: slug(step.button), title: step.button }));
          return `[${step.button}]`;
        }
        await this.expect(wa.customerWrites({ ...who, text: prefix + step.text }));
        return prefix + step.text;
      }
      case 'max': {
        const who = { userId: c.userId, name: c.name, username: c.username };
        const max = this.fakes.max;
        if (step.photo) {
          await this.expect(
            max.customerSendsImage({
              ...who,
              data: productPhoto(seed),
              mimeType: 'image/png',
              text: prefix + step.caption,
            }),
          );
          return `📷 ${prefix}${step.caption}`;
        }
        if (step.button) {
          await this.expect(max.customerPressesButton({ userId: c.userId, name: c.name, payload: step.button }));
          return `[${step.button}]`;
        }
        await this.expect(max.customerWrites({ ...who, text: prefix + step.text }));
        return prefix + step.text;
      }
      case 'webchat': {
        // The widget in this demo sends text only: a photo step becomes its caption, a button its label.
        const text = prefix + (step.text ?? step.caption ?? step.button);
        await this.webchatSends(c, text);
        return text;
      }
      default:
        throw new Error(`unknown channel ${c.channel}`);
    }
  }

  /** Onebox's answer to the platform's webhook POST: anything but 2xx is worth a warning. */
  async expect(delivery) {
    const result = await delivery;
    const status = typeof result === 'object' && result !== null ? result.status : result;
    if (status !== null && (status < 200 || status > 299))
      throw new Error(`Onebox answered the webhook with ${status}`);
  }

  /** What the widget does: connect with the widget key (and the visitor's token), introduce, type, send. */
  async webchatSends(c, text) {
    const socket = io(`${this.base}/webchat`, {
      auth: { widgetKey: this.channels.webchat.widgetKey, visitorToken: this.visitorTokens[c.email] },
      transports: ['websocket'],
      reconnection: false,
    });
    try {
      const session = await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('website chat: no session within 5 s')), 5000);
        socket.once('session', (s) => (clearTimeout(timer), resolve(s)));
        socket.once('connect_error', (err) => (clearTimeout(timer), reject(new Error(`website chat: ${err.message}`))));
      });
      if (this.visitorTokens[c.email] !== session.visitorToken) {
        this.visitorTokens[c.email] = session.visitorToken;
        this.saveState();
      }
      if (!session.profileComplete) {
        const ack = await socket.timeout(5000).emitWithAck('profile.update', { name: c.name, email: c.email });
        if (ack?.error) throw new Error(`website chat profile: ${ack.error.message}`);
      }
      socket.emit('typing', { typing: true });
      await sleep(Math.min(600, this.interval.min / 2));
      const ack = await socket.timeout(5000).emitWithAck('message.send', { clientMessageId: randomUUID(), text });
      socket.emit('typing', { typing: false });
      if (ack?.error) throw new Error(`website chat: ${ack.error.message}`);
    } finally {
      socket.close();
    }
  }

  /** A colleague takes their customer's conversation, answers, and resolves it at the end of the story. */
  async colleagueAnswers(state, text, resolve) {
    const { api, user } = this.colleagues[state.colleague];
    await sleep(Math.min(6000, Math.max(250, between(0.6, 1.2) * this.interval.min)));
    if (this.stopped) return;
    const conversation = await this.conversationOf(api, state);
    if (!conversation) return;
    // Somebody else (you?) took it: the colleague steps back.
    if (conversation.assignee && conversation.assignee.id !== user.id) return;
    if (conversation.status === 'resolved') return;
    const path = `/api/conversations/${conversation.id}`;
    if (!conversation.assignee) await api.post(`${path}/assign`, { assigneeId: user.id });
    if (text) {
      await api.post(`${path}/messages`, { text, clientMessageId: randomUUID() });
      this.log(`${clock()}  ${CHANNEL_LABELS[state.c.channel].padEnd(8)} ${user.name} ‹ ${shorten(text)}`);
    }
    await api.post(`${path}/read`).catch(() => undefined);
    if (resolve) {
      await sleep(Math.min(3000, Math.max(200, this.interval.min / 2)));
      await api.post(`${path}/status`, { status: 'resolved' });
      this.log(
        `${clock()}  ${CHANNEL_LABELS[state.c.channel].padEnd(8)} ${user.name} ✓ resolved the conversation with ${state.c.name}`,
      );
    }
  }

  /** The customer's conversation on the current channel (newest, should an earlier run have left one). */
  async conversationOf(api, state) {
    const channelId = this.channels[state.c.channel].id;
    const query = new URLSearchParams({ status: 'all', channelId, q: state.c.name, limit: '20' });
    const { items } = await api.get(`/api/conversations?${query}`);
    const mine = items.filter((i) => i.contact.name === state.c.name && i.channel.id === channelId);
    mine.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
    return mine[0] ?? null;
  }

  loadState() {
    try {
      return existsSync(this.statePath) ? (JSON.parse(readFileSync(this.statePath, 'utf8')).visitorTokens ?? {}) : {};
    } catch {
      return {};
    }
  }

  saveState() {
    try {
      writeFileSync(this.statePath, JSON.stringify({ visitorTokens: this.visitorTokens }, null, 2));
    } catch {
      /* the data dir may be gone; the next run simply starts new visitors */
    }
  }
}

function clock() {
  return new Date().toTimeString().slice(0, 8);
}

function shorten(text, max = 72) {
  const line = String(text).replace(/\s+/g, ' ');
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

const GREETING = /^(здравствуйте|добрый день|привет|hi|hello|hey)[!,.]?\s*/i;

function capitalize(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function slug(text) {
  return (
    text
      .toLowerCase()
      .replace(/[^a-zа-яё0-9]+/gi, '_')
      .replace(/^_|_$/g, '') || 'button'
  );
}
