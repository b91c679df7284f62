// Agents' inbox sockets on a thread of their own, so the load generator's event loop does not
// delay arrivals: `sockets` connections to /agent report every `message.created` whose text carries
// a bench sequence number, as [seq, sentAtMs, arrivedAtMs, socketIndex] batched every 50 ms.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

const require = createRequire(import.meta.url);
const { io } = require('socket.io-client');

const { base, token, sockets = 1 } = workerData;
const TEXT = /^bench (\d+) t=(\d+)/;
let batch = [];
const counts = { 'message.created': 0, 'conversation.created': 0, 'conversation.updated': 0, other: 0 };
let connected = 0;

const all = Array.from({ length: sockets }, (_, index) => {
  const socket = io(`${base}/agent`, { auth: { token }, transports: ['websocket'], reconnection: false });
  socket.on('connect', () => {
    if (++connected === sockets) parentPort.postMessage({ type: 'connected' });
  });
  socket.on('connect_error', (err) => parentPort.postMessage({ type: 'error', message: err.message }));
  socket.on('disconnect', (reason) => parentPort.postMessage({ type: 'disconnected', reason }));
  socket.onAny((event, payload) => {
    if (event in counts) counts[event] += 1;
    else counts.other += 1;
    if (event !== 'message.created') return;
    const match = TEXT.exec(payload?.text ?? '');
    if (match) batch.push(Number(match[1]), Number(match[2]), Date.now(), index);
  });
  return socket;
});

const flush = () => {
  if (!batch.length) return;
  const data = Float64Array.from(batch);
  batch = [];
  parentPort.postMessage({ type: 'arrivals', data }, [data.buffer]);
};
setInterval(flush, 50);

parentPort.on('message', (msg) => {
  if (msg === 'flush') {
    flush();
    parentPort.postMessage({ type: 'flushed', counts: { ...counts } });
  } else if (msg === 'close') {
    flush();
    for (const socket of all) socket.close();
    process.exit(0);
  }
});
