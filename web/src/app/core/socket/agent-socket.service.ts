import {
  EffectRef,
  Injectable,
  InjectionToken,
  Injector,
  computed,
  effect,
  inject,
  signal,
  untracked,
} from '@angular/core';
import { AGENT_NAMESPACE, type AgentClientEvents, type AgentServerEvents } from '@onebox/contracts';
import { Observable, Subject, filter, map } from 'rxjs';
import { io, type Socket } from 'socket.io-client';
import type { ManagerOptions, SocketOptions } from 'socket.io-client';

export type AgentSocket = Socket<AgentServerEvents, AgentClientEvents>;
export type SocketFactory = (uri: string, opts: Partial<ManagerOptions & SocketOptions>) => AgentSocket;

/** How the socket is created; tests swap in a fake. */
export const SOCKET_FACTORY = new InjectionToken<SocketFactory>('SOCKET_FACTORY', {
  providedIn: 'root',
  factory: () => (uri, opts) => io(uri, opts) as AgentSocket,
});

type ServerEvent = keyof AgentServerEvents;
type Payload<E extends ServerEvent> = Parameters<AgentServerEvents[E]>[0];
const SERVER_EVENTS: ServerEvent[] = [
  'message.created',
  'message.updated',
  'conversation.created',
  'conversation.updated',
  'typing',
  // Only workspaces with a CRM receive it; subscribing costs nothing otherwise.
  'deal.updated',
  'presence.updated',
  'offer.created',
  'offer.closed',
  // Heads and admins only.
  'conversation.missed',
  'crm.status',
  'survey.answered',
  // To the mentioned user only.
  'mention.created',
];

export type SocketState = 'idle' | 'connecting' | 'connected' | 'reconnecting';

/**
 * The agent's realtime link (`/agent` namespace). Reconnects by itself, re-joins the open
 * conversation room after a reconnect, and exposes server events as observables.
 */
@Injectable({ providedIn: 'root' })
export class AgentSocketService {
  private readonly factory = inject(SOCKET_FACTORY);
  private readonly injector = inject(Injector);
  private socket: AgentSocket | null = null;
  private tokenWatch: EffectRef | null = null;
  private readonly joined = new Set<string>();
  private readonly events = new Subject<{ event: ServerEvent; payload: unknown }>();
  private readonly stateSignal = signal<SocketState>('idle');

  readonly state = this.stateSignal.asReadonly();
  /** True while a once-working connection is down. */
  readonly reconnecting = computed(() => this.stateSignal() === 'reconnecting');

  /**
   * Connect with a token getter, so every reconnect uses the current token; when the getter reads a
   * signal, a new token also brings back a link the server closed (see `renew`). `handshake` adds
   * fields read at every (re)connect (the presence the app wants to start with).
   */
  connect(token: () => string | null, handshake?: () => Record<string, unknown>): void {
    if (this.socket) return;
    this.stateSignal.set('connecting');
    let offered: string | null = null;
    const socket = this.factory(AGENT_NAMESPACE, {
      auth: (cb: (data: object) => void) => {
        offered = token();
        cb({ ...handshake?.(), token: offered });
      },
      reconnection: true,
      reconnectionDelay: 1000,
      reconnectionDelayMax: 10_000,
      transports: ['websocket', 'polling'],
    });
    this.socket = socket;
    socket.on('connect', () => {
      this.stateSignal.set('connected');
      for (const conversationId of this.joined) socket.emit('conversation.join', { conversationId }, () => undefined);
    });
    socket.on('disconnect', (reason) => {
      this.stateSignal.set('reconnecting');
      // A server-side disconnect is not retried by socket.io itself.
      if (reason === 'io server disconnect') socket.connect();
    });
    socket.on('connect_error', () => {
      this.stateSignal.set('reconnecting');
      // A refused handshake is not retried by socket.io; a token replaced meanwhile gets one more try.
      if (!socket.active && token() !== offered) socket.connect();
    });
    for (const event of SERVER_EVENTS) {
      socket.on(event, (payload: unknown) => this.events.next({ event, payload }));
    }
    let last = untracked(token);
    this.tokenWatch = effect(
      () => {
        const current = token();
        const changed = current !== last;
        last = current;
        if (current && changed) untracked(() => this.renew());
      },
      { injector: this.injector },
    );
  }

  disconnect(): void {
    this.tokenWatch?.destroy();
    this.tokenWatch = null;
    this.socket?.removeAllListeners();
    this.socket?.disconnect();
    this.socket = null;
    this.joined.clear();
    this.stateSignal.set('idle');
  }

  /**
   * The token changed (a password change ends every older session and closes its sockets): a link
   * that stopped trying connects again, with the new token.
   */
  renew(): void {
    const socket = this.socket;
    if (socket && !socket.connected && !socket.active) socket.connect();
  }

  on<E extends ServerEvent>(event: E): Observable<Payload<E>> {
    return this.events.pipe(
      filter((e) => e.event === event),
      map((e) => e.payload as Payload<E>),
    );
  }

  join(conversationId: string): void {
    this.joined.add(conversationId);
    if (this.socket?.connected) this.socket.emit('conversation.join', { conversationId }, () => undefined);
  }

  leave(conversationId: string): void {
    if (!this.joined.delete(conversationId)) return;
    if (this.socket?.connected) this.socket.emit('conversation.leave', { conversationId });
  }

  /** Emits an event that the server acknowledges; null when not connected or without an answer in time. */
  request<E extends 'presence.set' | 'presence.heartbeat'>(
    event: E,
    payload: Parameters<AgentClientEvents[E]>[0],
    timeoutMs = 5000,
  ): Promise<Parameters<Parameters<AgentClientEvents[E]>[1]>[0] | null> {
    const socket = this.socket;
    if (!socket?.connected) return Promise.resolve(null);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(null), timeoutMs);
      const ack = (result: unknown) => {
        clearTimeout(timer);
        resolve(result as Parameters<Parameters<AgentClientEvents[E]>[1]>[0]);
      };
      (socket.emit as (event: string, payload: unknown, ack: (result: unknown) => void) => void)(event, payload, ack);
    });
  }

  typing(conversationId: string, typing: boolean): void {
    if (this.socket?.connected) this.socket.emit('typing', { conversationId, typing });
  }
}
