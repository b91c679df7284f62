import type { WebchatMessage, WebchatSession } from '@onebox/contracts';
import type { WidgetAuth, WidgetSocket } from '../src/widget';

/** A socket that records what the widget emits and lets a test play the server. */
export class FakeSocket implements WidgetSocket {
  url = '';
  auth: WidgetAuth | null = null;
  disconnected = false;
  active = true;
  connects = 0;
  readonly emitted: { event: string; args: unknown[] }[] = [];
  private readonly handlers = new Map<string, ((...args: unknown[]) => void)[]>();

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  on(event: string, handler: (...args: any[]) => void): this {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), handler]);
    return this;
  }

  emit(event: string, ...args: unknown[]): this {
    this.emitted.push({ event, args });
    return this;
  }

  connect(): this {
    this.connects++;
    this.active = true;
    return this;
  }

  disconnect(): this {
    this.disconnected = true;
    return this;
  }

  /** Delivers a server event to the widget. */
  serve(event: string, payload?: unknown): void {
    for (const handler of this.handlers.get(event) ?? []) handler(payload);
  }

  /** Payloads the widget emitted for one event. */
  payloads(event: string): unknown[] {
    return this.emitted.filter((e) => e.event === event).map((e) => e.args[0]);
  }

  /** Calls the ack of the last emit of `event`. */
  ack(event: string, result: unknown): void {
    const last = this.emitted.filter((e) => e.event === event).pop();
    if (!last) throw new Error(`nothing emitted for ${event}`);
    (last.args[1] as (r: unknown) => void)(result);
  }
}

export function message(over: Partial<WebchatMessage> = {}): WebchatMessage {
  return {
    id: 'm1',
    clientMessageId: null,
    direction: 'out',
    authorName: 'Anna',
    text: 'Hello!',
    attachments: [],
    createdAt: '2025-03-01T10:00:00.000Z',
    ...over,
  };
}

export function session(over: Partial<WebchatSession> = {}): WebchatSession {
  return {
    visitorToken: 'vt_1',
    channelName: 'Demo Shop',
    online: true,
    replyTimeText: null,
    profileComplete: true,
    history: [],
    ...over,
  };
}
