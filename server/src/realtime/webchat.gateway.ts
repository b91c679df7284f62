import { Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayDisconnect,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import { WEBCHAT_NAMESPACE } from '@onebox/contracts';
import type { Namespace, Socket } from 'socket.io';
import { clientIp, type TrustProxy } from '../common/client-ip';
import { TimersService } from '../timers/timers.service';
import { WebchatError, WebchatService, type Visitor } from '../webchat/webchat.service';
import { RealtimeService, rooms } from './realtime.service';

interface VisitorSocket extends Socket {
  data: { visitor: Visitor; name?: string };
}

type Failure = { error: { code: string; message: string } };

/**
 * `/webchat`: the widget's connection. The handshake names the widget key (and the visitor's
 * token, when the browser has one); every connection gets a `session` with the history.
 */
@WebSocketGateway({ namespace: WEBCHAT_NAMESPACE, cors: { origin: true } })
export class WebchatGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger('WebchatGateway');

  constructor(
    private readonly webchat: WebchatService,
    private readonly realtime: RealtimeService,
    private readonly timers: TimersService,
    private readonly http: HttpAdapterHost,
  ) {}

  afterInit(ns: Namespace): void {
    this.realtime.attachWebchat(ns);
    ns.use((socket, next) => {
      const auth = (socket.handshake.auth ?? {}) as { widgetKey?: unknown; visitorToken?: unknown };
      this.webchat.identify(auth.widgetKey, auth.visitorToken, this.ipOf(socket)).then(
        (visitor) => {
          (socket as VisitorSocket).data.visitor = visitor;
          next();
        },
        (err: Error) => {
          const known = err instanceof WebchatError;
          const data = {
            code: known ? err.code : 'error',
            ...(known && err.retryAfter !== undefined ? { retryAfter: err.retryAfter } : {}),
          };
          next(Object.assign(new Error(err.message), { data }));
        },
      );
    });
  }

  /** The visitor's address, behind the same trusted proxies as the HTTP API (Express's `trust proxy`). */
  private ipOf(socket: Socket): string {
    const trust = this.http.httpAdapter?.getInstance<{ get(name: string): unknown }>().get('trust proxy fn');
    return clientIp(socket.request, typeof trust === 'function' ? (trust as TrustProxy) : () => false);
  }

  async handleConnection(socket: VisitorSocket): Promise<void> {
    const { visitor } = socket.data;
    await socket.join(rooms.visitor(visitor.channel.id, visitor.visitorId));
    try {
      socket.emit('session', await this.webchat.session(visitor));
    } catch (err) {
      this.logger.error(`session failed: ${(err as Error).message}`);
      socket.disconnect(true);
    }
  }

  /** A visitor who closes the page before anyone replied may have left: the timers check after a grace period. */
  handleDisconnect(socket: VisitorSocket): void {
    const { visitor } = socket.data;
    if (!visitor) return;
    this.timers
      .visitorDisconnected(visitor.channel, visitor.visitorId)
      .catch((err: Error) => this.logger.warn(`visitor-left check not scheduled: ${err.message}`));
  }

  @SubscribeMessage('message.send')
  send(@ConnectedSocket() socket: VisitorSocket, @MessageBody() body: unknown): Promise<{ id: string } | Failure> {
    return this.answer(() => this.webchat.receive(socket.data.visitor, body));
  }

  @SubscribeMessage('survey.answer')
  surveyAnswer(
    @ConnectedSocket() socket: VisitorSocket,
    @MessageBody() body: unknown,
  ): Promise<{ ok: true } | Failure> {
    return this.answer(() => this.webchat.answerSurvey(socket.data.visitor, body));
  }

  @SubscribeMessage('page.view')
  pageView(@ConnectedSocket() socket: VisitorSocket, @MessageBody() body: unknown): Promise<{ ok: true } | Failure> {
    return this.answer(() => this.webchat.pageView(socket.data.visitor, body));
  }

  @SubscribeMessage('invitation.shown')
  invitationShown(
    @ConnectedSocket() socket: VisitorSocket,
    @MessageBody() body: unknown,
  ): Promise<{ ok: true } | Failure> {
    return this.answer(() => this.webchat.invitationShown(socket.data.visitor, body));
  }

  @SubscribeMessage('profile.update')
  profile(@ConnectedSocket() socket: VisitorSocket, @MessageBody() body: unknown): Promise<{ ok: true } | Failure> {
    return this.answer(async () => {
      await this.webchat.updateProfile(socket.data.visitor, body);
      const name = (body as { name?: unknown })?.name;
      if (typeof name === 'string' && name.trim()) socket.data.name = name.trim();
      return { ok: true as const };
    });
  }

  @SubscribeMessage('typing')
  async typing(@ConnectedSocket() socket: VisitorSocket, @MessageBody() body: { typing?: unknown }): Promise<void> {
    const name = socket.data.name ?? 'Visitor';
    await this.webchat.typing(socket.data.visitor, body?.typing === true, name).catch(() => undefined);
  }

  /** Socket acks carry a plain object: the result, or `{error}` with a code the widget can show. */
  private async answer<T>(work: () => Promise<T>): Promise<T | Failure> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof WebchatError) return { error: { code: err.code, message: err.message } };
      this.logger.error((err as Error).stack ?? String(err));
      return { error: { code: 'internal_error', message: 'Could not send, please try again' } };
    }
  }
}
