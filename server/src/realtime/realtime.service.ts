import { Injectable } from '@nestjs/common';
import type { AgentServerEvents, WebchatServerEvents } from '@onebox/contracts';
import type { Namespace } from 'socket.io';

export const rooms = {
  workspace: (workspaceId: string) => `ws:${workspaceId}`,
  /** Heads and admins: they see every conversation. */
  leads: (workspaceId: string) => `ws:${workspaceId}:leads`,
  user: (userId: string) => `user:${userId}`,
  conversation: (conversationId: string) => `conv:${conversationId}`,
  visitor: (channelId: string, visitorId: string) => `visitor:${channelId}:${visitorId}`,
};

type AgentEvent = keyof AgentServerEvents;
type WebchatEvent = keyof WebchatServerEvents;

/**
 * Emits to socket.io rooms. The gateways attach their namespaces at start-up; with the Redis
 * adapter the same calls reach sockets held by other processes.
 */
@Injectable()
export class RealtimeService {
  private agents: Namespace | null = null;
  private webchat: Namespace | null = null;

  attachAgents(ns: Namespace): void {
    this.agents = ns;
  }

  attachWebchat(ns: Namespace): void {
    this.webchat = ns;
  }

  /** Sockets connected to this process, per namespace (the metrics gauge). */
  localConnections(): { agent: number; webchat: number } {
    return { agent: this.agents?.sockets.size ?? 0, webchat: this.webchat?.sockets.size ?? 0 };
  }

  /**
   * To everyone who may see the conversation: the whole workspace while unassigned, else the leads
   * and the assignee; `alsoUserIds` lets a previous assignee learn it left their list.
   */
  toConversationAudience<E extends AgentEvent>(
    conversation: { workspace_id: string; assignee_id: string | null },
    event: E,
    payload: Parameters<AgentServerEvents[E]>[0],
    alsoUserIds: (string | null)[] = [],
  ): void {
    if (!this.agents) return;
    const targets = conversation.assignee_id
      ? [rooms.leads(conversation.workspace_id), rooms.user(conversation.assignee_id)]
      : [rooms.workspace(conversation.workspace_id)];
    for (const id of alsoUserIds) if (id) targets.push(rooms.user(id));
    this.agents.to(targets).emit(event, payload as never);
  }

  toConversationRoom<E extends AgentEvent>(
    conversationId: string,
    event: E,
    payload: Parameters<AgentServerEvents[E]>[0],
    exceptSocketId?: string,
  ): void {
    if (!this.agents) return;
    const target = this.agents.to(rooms.conversation(conversationId));
    (exceptSocketId ? target.except(exceptSocketId) : target).emit(event, payload as never);
  }

  toVisitor<E extends WebchatEvent>(
    channelId: string,
    visitorId: string,
    event: E,
    payload: Parameters<WebchatServerEvents[E]>[0],
  ): void {
    this.webchat?.to(rooms.visitor(channelId, visitorId)).emit(event, payload as never);
  }

  /** To every agent of the workspace (presence changes). */
  toWorkspace<E extends AgentEvent>(workspaceId: string, event: E, payload: Parameters<AgentServerEvents[E]>[0]): void {
    this.agents?.to(rooms.workspace(workspaceId)).emit(event, payload as never);
  }

  /** To one user's sockets, in every tab and process (offers). */
  toUser<E extends AgentEvent>(userId: string, event: E, payload: Parameters<AgentServerEvents[E]>[0]): void {
    this.agents?.to(rooms.user(userId)).emit(event, payload as never);
  }

  /** Closes every socket of the user, in every tab and process (their password changed). */
  disconnectUser(userId: string): void {
    this.agents?.in(rooms.user(userId)).disconnectSockets(true);
  }

  /** Whether the user still has the app open anywhere (any process, through the adapter). */
  async isUserConnected(userId: string): Promise<boolean> {
    if (!this.agents) return false;
    const sockets = await this.agents.in(rooms.user(userId)).fetchSockets();
    return sockets.length > 0;
  }

  /** To heads and admins of the workspace. */
  toLeads<E extends AgentEvent>(workspaceId: string, event: E, payload: Parameters<AgentServerEvents[E]>[0]): void {
    this.agents?.to(rooms.leads(workspaceId)).emit(event, payload as never);
  }

  /** Whether the website visitor has the widget open anywhere (any process, through the adapter). */
  async isVisitorConnected(channelId: string, visitorId: string): Promise<boolean> {
    if (!this.webchat) return false;
    const sockets = await this.webchat.in(rooms.visitor(channelId, visitorId)).fetchSockets();
    return sockets.length > 0;
  }

  /** Whether any agent of the workspace has the inbox open (any process, through the adapter). */
  async isWorkspaceOnline(workspaceId: string): Promise<boolean> {
    if (!this.agents) return false;
    const sockets = await this.agents.in(rooms.workspace(workspaceId)).fetchSockets();
    return sockets.length > 0;
  }
}
