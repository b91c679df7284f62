import { BeforeApplicationShutdown, Logger } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayDisconnect,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import { AGENT_NAMESPACE, PRESENCE_STATUSES, type PresenceStatus } from '@onebox/contracts';
import type { Namespace, Socket } from 'socket.io';
import { AgentAuthenticator } from '../auth/agent-authenticator';
import { seesAllConversations, type AuthUser } from '../auth/auth-user';
import { ConversationsRepository } from '../conversations/conversations.repository';
import { visibilityOf } from '../conversations/conversations.service';
import { WebchatService } from '../webchat/webchat.service';
import { ChannelsRepository } from '../channels/channels.repository';
import { PresenceService } from '../presence/presence.service';
import { RealtimeService, rooms } from './realtime.service';

interface AgentSocket extends Socket {
  /** Serialized across processes (fetchSockets through the Redis adapter): plain data only. */
  data: { user: AuthUser };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `/agent`: the inbox's live feed. The handshake must carry a valid access token; sockets join
 * their workspace room (and the leads room for heads/admins), their user room, and the rooms of
 * conversations they open and may see. A socket lives no longer than its token: it is
 * disconnected when the token expires, and when the user's password changes (RealtimeService).
 */
@WebSocketGateway({ namespace: AGENT_NAMESPACE, cors: { origin: true } })
export class AgentGateway
  implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, BeforeApplicationShutdown
{
  private readonly logger = new Logger('AgentGateway');
  private closing = false;

  constructor(
    private readonly authenticator: AgentAuthenticator,
    private readonly conversations: ConversationsRepository,
    private readonly channels: ChannelsRepository,
    private readonly webchat: WebchatService,
    private readonly realtime: RealtimeService,
    private readonly presence: PresenceService,
  ) {}

  /** Presence: a new socket sets the status its app asks for in the handshake (`auth.presence`), online by default. */
  async handleConnection(socket: AgentSocket): Promise<void> {
    const user = socket.data.user;
    if (!user) return;
    const requested = presenceStatus((socket.handshake.auth as { presence?: unknown })?.presence) ?? 'online';
    await this.presence.set(user, requested).catch((err: Error) => this.logger.warn(`presence: ${err.message}`));
  }

  /**
   * This process is stopping (a deploy, a scale-in): its sockets close, and the apps reconnect to
   * another process. Their users stay as they are; an app that does not come back misses its
   * heartbeats and goes offline then.
   */
  beforeApplicationShutdown(): void {
    this.closing = true;
  }

  /** The user's last socket closing (the tab closed) sets them offline. */
  async handleDisconnect(socket: AgentSocket): Promise<void> {
    const user = socket.data.user;
    if (!user || this.closing) return;
    await this.presence.disconnected(user).catch((err: Error) => this.logger.warn(`presence: ${err.message}`));
  }

  @SubscribeMessage('presence.set')
  async setPresence(
    @ConnectedSocket() socket: AgentSocket,
    @MessageBody() body: { status?: unknown },
  ): Promise<{ status: PresenceStatus } | { error: { code: string; message: string } }> {
    const status = presenceStatus(body?.status);
    if (!status) return { error: { code: 'validation_failed', message: 'status must be online, away or offline' } };
    return { status: await this.presence.set(socket.data.user, status) };
  }

  @SubscribeMessage('presence.heartbeat')
  async heartbeat(@ConnectedSocket() socket: AgentSocket): Promise<{ status: PresenceStatus }> {
    return { status: await this.presence.heartbeat(socket.data.user) };
  }

  afterInit(ns: Namespace): void {
    this.realtime.attachAgents(ns);
    ns.use((socket, next) => {
      this.authenticate(socket as AgentSocket).then(
        () => next(),
        (err: Error) =>
          next(Object.assign(new Error('unauthorized'), { data: { code: 'unauthorized', message: err.message } })),
      );
    });
  }

  private async authenticate(socket: AgentSocket): Promise<void> {
    const token = (socket.handshake.auth as { token?: unknown })?.token;
    const session = await this.authenticator.authenticate(token);
    if (!session) throw new Error('Sign in to continue');
    const { user } = session;
    socket.data.user = user;
    // Tokens live at most 7 days (config), well within setTimeout's range.
    const expiry = setTimeout(() => socket.disconnect(true), Math.max(0, session.expiresAt - Date.now()));
    expiry.unref();
    socket.once('disconnect', () => clearTimeout(expiry));
    const joined = [rooms.workspace(user.workspaceId), rooms.user(user.id)];
    if (seesAllConversations(user)) joined.push(rooms.leads(user.workspaceId));
    await socket.join(joined);
  }

  @SubscribeMessage('conversation.join')
  async join(
    @ConnectedSocket() socket: AgentSocket,
    @MessageBody() body: { conversationId?: unknown },
  ): Promise<{ ok: boolean }> {
    const id = body?.conversationId;
    if (typeof id !== 'string' || !UUID.test(id)) return { ok: false };
    const conversation = await this.conversations.findVisible(visibilityOf(socket.data.user), id);
    if (!conversation) return { ok: false };
    await socket.join(rooms.conversation(id));
    return { ok: true };
  }

  @SubscribeMessage('conversation.leave')
  async leave(
    @ConnectedSocket() socket: AgentSocket,
    @MessageBody() body: { conversationId?: unknown },
  ): Promise<void> {
    if (typeof body?.conversationId === 'string') await socket.leave(rooms.conversation(body.conversationId));
  }

  /** An agent typing in a conversation they opened: other agents there, and the customer on webchat. */
  @SubscribeMessage('typing')
  async typing(
    @ConnectedSocket() socket: AgentSocket,
    @MessageBody() body: { conversationId?: unknown; typing?: unknown },
  ): Promise<void> {
    const id = body?.conversationId;
    if (typeof id !== 'string' || !socket.rooms.has(rooms.conversation(id))) return;
    const typing = body.typing === true;
    const user = socket.data.user;
    this.realtime.toConversationRoom(
      id,
      'typing',
      { conversationId: id, author: 'agent', name: user.name, typing },
      socket.id,
    );
    try {
      const conversation = await this.conversations.findById(id);
      if (!conversation || conversation.workspace_id !== user.workspaceId || conversation.channel_type !== 'webchat')
        return;
      const channel = await this.channels.findById(conversation.channel_id);
      const visitorId = channel ? await this.webchat.visitorIdOf(channel.id, conversation.contact_id) : null;
      if (channel && visitorId) this.realtime.toVisitor(channel.id, visitorId, 'typing', { typing, name: user.name });
    } catch (err) {
      this.logger.warn(`typing relay failed: ${(err as Error).message}`);
    }
  }
}

function presenceStatus(value: unknown): PresenceStatus | null {
  return PRESENCE_STATUSES.find((s) => s === value) ?? null;
}
