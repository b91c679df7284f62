import { Injectable, inject, signal } from '@angular/core';
import { PRESENCE_STATUSES, type PresenceStatus } from '@onebox/contracts';
import type { Subscription } from 'rxjs';
import { AuthService } from '../auth/auth.service';
import { AgentSocketService } from '../socket/agent-socket.service';

const PRESENCE_KEY = 'onebox.presence';
/** The server sets a user offline after ~90 s without one. */
export const HEARTBEAT_MS = 25_000;

function readPreferred(): PresenceStatus {
  try {
    const stored = localStorage.getItem(PRESENCE_KEY);
    return PRESENCE_STATUSES.find((s) => s === stored) ?? 'online';
  } catch {
    return 'online';
  }
}

/**
 * The signed-in user's presence: the socket handshake carries the status they chose last (online
 * after sign-in), heartbeats go every 25 s while the app is open, closing the app goes offline on
 * the server. Changes from another tab arrive as `presence.updated`.
 */
@Injectable({ providedIn: 'root' })
export class PresenceService {
  private readonly socket = inject(AgentSocketService);
  private readonly auth = inject(AuthService);
  private readonly statusSignal = signal<PresenceStatus>(readPreferred());
  private timer: ReturnType<typeof setInterval> | null = null;
  private updates: Subscription | null = null;

  readonly status = this.statusSignal.asReadonly();

  /** Handshake fields for every (re)connect of the agent socket. */
  readonly handshake = (): Record<string, unknown> => ({ presence: this.statusSignal() });

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.heartbeat(), HEARTBEAT_MS);
    this.updates = this.socket.on('presence.updated').subscribe((event) => {
      if (event.userId === this.auth.user()?.id) this.statusSignal.set(event.status);
    });
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.updates?.unsubscribe();
    this.updates = null;
  }

  /** Signing out forgets the choice: the next sign-in starts online. */
  reset(): void {
    this.stop();
    this.statusSignal.set('online');
    try {
      localStorage.removeItem(PRESENCE_KEY);
    } catch {
      /* ignore */
    }
  }

  async set(status: PresenceStatus): Promise<void> {
    this.statusSignal.set(status);
    try {
      localStorage.setItem(PRESENCE_KEY, status);
    } catch {
      /* ignore */
    }
    // While disconnected the handshake of the reconnect carries it.
    const ack = await this.socket.request('presence.set', { status });
    if (ack && 'status' in ack) this.statusSignal.set(ack.status);
  }

  async heartbeat(): Promise<void> {
    const ack = await this.socket.request('presence.heartbeat', {});
    if (ack && 'status' in ack) this.statusSignal.set(ack.status);
  }
}
