import type { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Server, ServerOptions } from 'socket.io';
import type { RedisConnection } from './redis-connection';

/**
 * socket.io over Redis pub/sub: an event emitted to a room in one process reaches the room's
 * sockets in every process (`/agent` and `/webchat` alike), and `fetchSockets()` asks them all —
 * presence's "is the last tab closed?" and the visitor-left check rely on it.
 */
export class RedisIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly redis: RedisConnection,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const server = super.createIOServer(port, options) as Server;
    // The adapter publishes without handling errors: its publisher waits out a Redis outage (events
    // go out once Redis is back) rather than failing, which would crash the process.
    const pub = this.redis.duplicate({ maxRetriesPerRequest: null });
    server.adapter(createAdapter(pub, this.redis.duplicate(), { key: this.redis.key('socket.io') }));
    return server;
  }
}
