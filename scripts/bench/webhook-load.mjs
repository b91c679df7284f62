// The load generator shared by the ingest and scale-out suites: signed Telegram webhooks posted
// open-loop (each message's send time embedded in its text), and agent sockets on threads of their
// own that report when each message reached them.
import { Agent, request } from 'node:http';
import { Worker } from 'node:worker_threads';
import { onCleanup, sleep } from './lib.mjs';

/**
 * Posts Telegram updates to `targets` (round robin: a load balancer's share) with the channel's
 * secret header. `blast(rate, count)` sends open-loop and waits for every answer; per sequence
 * number it keeps the send time, the HTTP status and the answer latency from the scheduled time.
 */
export function createWebhookLoad({ targets, secret, chats, chatBase, capacity, sockets }) {
  // A timeout lets the agent honour the server's Keep-Alive hint (5 s): idle sockets are dropped
  // before the server closes them, instead of a request meeting a reset connection.
  const httpAgent = new Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets, timeout: 60_000 });
  onCleanup(() => httpAgent.destroy());
  const load = {
    sentAt: new Float64Array(capacity), // wall clock ms at the actual send (embedded in the text)
    status: new Int16Array(capacity), // 0 pending, -1 error, else HTTP status
    answerMs: new Float64Array(capacity), // from the scheduled send time
    nextSeq: 1,
    inflight: 0,
    lastAnswerAt: 0,
    okTotal: 0,
    errorSamples: [],
    externalId: (seq) => `${chatBase + (seq % chats)}:${seq}`,
    blast,
    /** Answers of `first..last`: 2xx count, error count and latencies. */
    answers(first, last) {
      let ok = 0;
      let errors = 0;
      const latencies = [];
      for (let s = first; s <= last; s++) {
        if (load.status[s] >= 200 && load.status[s] < 300) ok++;
        else errors++;
        if (load.status[s] !== 0) latencies.push(load.answerMs[s]);
      }
      return { ok, errors, latencies };
    },
  };

  function send(seq, scheduledPerf) {
    const chat = chatBase + (seq % chats);
    const target = targets[seq % targets.length];
    const now = Date.now();
    load.sentAt[seq] = now;
    const body = JSON.stringify({
      update_id: 900_000_000 + seq,
      message: {
        message_id: seq,
        from: { id: chat, is_bot: false, first_name: 'Customer', last_name: String(chat), language_code: 'en' },
        chat: { id: chat, first_name: 'Customer', last_name: String(chat), type: 'private' },
        date: Math.floor(now / 1000),
        text: `bench ${seq} t=${now} Hello, is the grey sofa still available? Delivery to Moscow?`,
      },
    });
    load.inflight++;
    const done = (code, detail) => {
      if (load.status[seq] !== 0) return;
      load.inflight--;
      load.status[seq] = code;
      const end = performance.now();
      load.answerMs[seq] = end - scheduledPerf;
      load.lastAnswerAt = end;
      if (code >= 200 && code < 300) load.okTotal++;
      else if (load.errorSamples.length < 10) load.errorSamples.push(`#${seq}: ${detail ?? code}`);
    };
    const req = request(
      {
        agent: httpAgent,
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'X-Telegram-Bot-Api-Secret-Token': secret,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => done(res.statusCode, `HTTP ${res.statusCode}`));
        res.on('error', (err) => done(-1, err.message));
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error('timeout after 30 s')));
    req.on('error', (err) => done(-1, err.message));
    req.end(body);
  }

  /** Sends `count` messages at `rate`/s open-loop, then waits for every answer. */
  async function blast(rate, count) {
    const first = load.nextSeq;
    load.nextSeq += count;
    const t0 = performance.now();
    let sent = 0;
    await new Promise((resolve) => {
      const tick = () => {
        const due = Math.min(count, Math.floor(((performance.now() - t0) * rate) / 1000) + 1);
        while (sent < due) {
          send(first + sent, t0 + (sent * 1000) / rate);
          sent++;
        }
        if (sent < count) setTimeout(tick, 1);
        else resolve();
      };
      tick();
    });
    const sendWindowMs = performance.now() - t0;
    const inflightAtEnd = load.inflight;
    const drainDeadline = performance.now() + 60_000;
    while (load.inflight > 0 && performance.now() < drainDeadline) await sleep(5);
    return { first, last: first + count - 1, t0, sendWindowMs, inflightAtEnd, drained: load.inflight === 0 };
  }

  return load;
}

/**
 * `sockets` agent sockets on one worker thread (agent-worker.mjs), connected to `base` with
 * `token`. Each socket reports the bench messages it receives; `latency(seq)` is the first
 * socket's webhook→socket time, `awaitArrivals` waits until a range has arrived at every socket.
 */
export function startAgentSocket(base, token, { sockets = 1, capacity = 0 } = {}) {
  const worker = new Worker(new URL('./agent-worker.mjs', import.meta.url), { workerData: { base, token, sockets } });
  const arrivals = []; // Float64Array batches of [seq, sentAt, arrivedAt, socketIndex]
  let onFlushed = null;
  const state = {
    worker,
    arrivals,
    disconnected: null,
    counts: null,
    sockets,
    /** Webhook→socket latency per sequence number, of every socket: [socket * capacity + seq]. */
    latency: new Float64Array(capacity * sockets).fill(NaN),
    /** The same message arriving twice at one socket. */
    duplicates: 0,
    read: 0,
  };
  const ready = new Promise((resolve, reject) => {
    worker.on('message', (msg) => {
      if (msg.type === 'connected') resolve();
      else if (msg.type === 'error') reject(new Error(`agent socket: ${msg.message}`));
      else if (msg.type === 'arrivals') arrivals.push(msg.data);
      else if (msg.type === 'disconnected') state.disconnected = msg.reason;
      else if (msg.type === 'flushed') {
        state.counts = msg.counts;
        onFlushed?.();
      }
    });
    worker.once('error', reject);
  });
  state.flush = () =>
    new Promise((resolve) => {
      onFlushed = resolve;
      worker.postMessage('flush');
    });
  state.collect = () => {
    for (; state.read < arrivals.length; state.read++) {
      const data = arrivals[state.read];
      for (let i = 0; i < data.length; i += 4) {
        const at = data[i + 3] * capacity + data[i];
        if (!Number.isNaN(state.latency[at])) state.duplicates++;
        state.latency[at] = data[i + 2] - data[i + 1];
      }
    }
  };
  /** Latencies of `first..last` at every socket (NaN-free), and how many arrivals are missing. */
  state.latencies = (first, last) => {
    const values = [];
    let missing = 0;
    for (let k = 0; k < sockets; k++)
      for (let s = first; s <= last; s++) {
        const v = state.latency[k * capacity + s];
        if (Number.isNaN(v)) missing++;
        else values.push(v);
      }
    return { values, missing };
  };
  /** Waits until `expected` messages of `first..last` reached every socket (or the timeout); answers arrivals. */
  state.awaitArrivals = async (first, last, expected, timeoutMs) => {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      await state.flush();
      state.collect();
      const got = state.latencies(first, last).values.length;
      if (got >= expected * sockets || performance.now() > deadline) return got;
      await sleep(50);
    }
  };
  state.close = async () => {
    worker.postMessage('close');
    await Promise.race([new Promise((r) => worker.once('exit', r)), sleep(2000)]);
    await worker.terminate();
  };
  onCleanup(() => state.close());
  return ready.then(() => state);
}
