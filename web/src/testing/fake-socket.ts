import type { Provider } from '@angular/core';
import type { AgentServerEvents } from '@onebox/contracts';
import { SOCKET_FACTORY, type AgentSocket } from '../app/core/socket/agent-socket.service';

type Handler = (...args: unknown[]) => void;

/** A stand-in for a socket.io client socket: records emits, lets a test play the server. */
export class FakeSocket {
  connected = false;
  /** Like socket.io's: false once it has stopped trying (a refused handshake, a server-side disconnect). */
  active = true;
  /** What each `connect()` offered the server (the `auth` callback's data). */
  readonly handshakes: object[] = [];
  readonly emitted: { event: string; payload: unknown }[] = [];
  readonly options: Record<string, unknown>;
  private readonly handlers = new Map<string, Handler[]>();

  constructor(
    readonly uri: string,
    options: object,
  ) {
    this.options = options as Record<string, unknown>;
  }

  on(event: string, handler: Handler): this {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), handler]);
    return this;
  }

  /** Answers acknowledged emits (`presence.set`…); without it they are never acknowledged. */
  respond: ((event: string, payload: unknown) => unknown) | null = null;

  emit(event: string, payload: unknown, ack?: (result: unknown) => void): this {
    this.emitted.push({ event, payload });
    if (ack && this.respond) ack(this.respond(event, payload));
    return this;
  }

  connect(): this {
    this.active = true;
    const auth = this.options['auth'];
    if (typeof auth === 'function')
      (auth as (cb: (data: object) => void) => void)((data) => this.handshakes.push(data));
    return this;
  }

  /** The server's middleware refuses the handshake (a revoked token): socket.io gives up, then says so. */
  refuse(message = 'unauthorized'): void {
    this.active = false;
    this.fire('connect_error', new Error(message));
  }

  disconnect(): this {
    this.connected = false;
    return this;
  }

  removeAllListeners(): this {
    this.handlers.clear();
    return this;
  }

  /** Fire a lifecycle event (`connect`, `disconnect`, …). */
  fire(event: string, ...args: unknown[]): void {
    if (event === 'connect') this.connected = true;
    if (event === 'disconnect') {
      this.connected = false;
      if (args[0] === 'io server disconnect') this.active = false;
    }
    for (const handler of this.handlers.get(event) ?? []) handler(...args);
  }

  /** Play a server event. */
  serverEmit<E extends keyof AgentServerEvents>(event: E, payload: Parameters<AgentServerEvents[E]>[0]): void {
    this.fire(event, payload);
  }
}

/** Provides a SOCKET_FACTORY whose sockets are collected in `sockets`. */
export function provideFakeSocket(sockets: FakeSocket[]): Provider {
  return {
    provide: SOCKET_FACTORY,
    useValue: (uri: string, opts: object) => {
      const socket = new FakeSocket(uri, opts);
      sockets.push(socket);
      return socket as unknown as AgentSocket;
    },
  };
}
