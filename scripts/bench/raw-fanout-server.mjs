// The machine's own fan-out limit for the scale-out suite: a bare socket.io server (no Nest, no
// database, no Redis) that broadcasts each posted Telegram update's text to every /agent socket as
// `message.created`, the event the inbox receives. PORT from the environment; prints "ready".
import { createServer } from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { Server } = require('socket.io');

const http = createServer((req, res) => {
  if (req.method === 'GET') return res.end('{"status":"ok"}');
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const update = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    agents.emit('message.created', { direction: 'in', text: update.message.text });
    res.setHeader('content-type', 'application/json');
    res.end('{"ok":true}');
  });
});
const io = new Server(http);
const agents = io.of('/agent');
http.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('ready'));
process.once('SIGTERM', () => io.close(() => process.exit(0)));
