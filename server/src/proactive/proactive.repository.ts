import { Inject, Injectable } from '@nestjs/common';
import type { ProactiveTrigger } from '@onebox/contracts';
import { DataSource } from 'typeorm';
import { returnedRows, type Db } from '../database/database';

export interface ProactiveInvitationRow {
  id: string;
  workspace_id: string;
  channel_id: string;
  visitor_id: string;
  trigger_id: string;
  shown_at: Date;
  accepted_at: Date | null;
  conversation_id: string | null;
  cycle: number | null;
}

/** Page views and proactive invitations of widget visitors; triggers live in `channels.settings`. */
@Injectable()
export class ProactiveRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  /** Writes only the `proactive` key of the channel's settings. */
  async saveTriggers(workspaceId: string, channelId: string, triggers: ProactiveTrigger[]): Promise<void> {
    await this.db.query(
      `UPDATE channels SET settings = settings || jsonb_build_object('proactive', $3::jsonb)
        WHERE workspace_id = $1 AND id = $2`,
      [workspaceId, channelId, JSON.stringify(triggers)],
    );
  }

  async recordPageView(view: {
    workspaceId: string;
    channelId: string;
    visitorId: string;
    url: string;
    at: Date;
  }): Promise<void> {
    await this.db.query(
      `INSERT INTO widget_page_views (workspace_id, channel_id, visitor_id, url, viewed_at) VALUES ($1, $2, $3, $4, $5)`,
      [view.workspaceId, view.channelId, view.visitorId, view.url, view.at],
    );
  }

  /** Whether the visitor viewed a page of the site before `before` (an earlier visit). */
  async viewedBefore(workspaceId: string, channelId: string, visitorId: string, before: Date): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `SELECT 1 FROM widget_page_views WHERE workspace_id = $1 AND channel_id = $2 AND visitor_id = $3 AND viewed_at < $4 LIMIT 1`,
      [workspaceId, channelId, visitorId, before],
    );
    return rows.length > 0;
  }

  async triggersShownOn(workspaceId: string, channelId: string, visitorId: string, day: string): Promise<string[]> {
    const rows: { trigger_id: string }[] = await this.db.query(
      `SELECT trigger_id FROM proactive_invitations
        WHERE workspace_id = $1 AND channel_id = $2 AND visitor_id = $3 AND shown_day = $4::date`,
      [workspaceId, channelId, visitorId, day],
    );
    return rows.map((r) => r.trigger_id);
  }

  /** At most one invitation per visitor, trigger and UTC day: null when it was already shown. */
  async insertInvitation(invitation: {
    workspaceId: string;
    channelId: string;
    visitorId: string;
    triggerId: string;
    at: Date;
  }): Promise<ProactiveInvitationRow | null> {
    const rows: ProactiveInvitationRow[] = await this.db.query(
      `INSERT INTO proactive_invitations (workspace_id, channel_id, visitor_id, trigger_id, shown_at, shown_day)
       VALUES ($1, $2, $3, $4, $5, ($5::timestamptz AT TIME ZONE 'UTC')::date)
       ON CONFLICT (workspace_id, channel_id, visitor_id, trigger_id, shown_day) DO NOTHING RETURNING *`,
      [invitation.workspaceId, invitation.channelId, invitation.visitorId, invitation.triggerId, invitation.at],
    );
    return rows[0] ?? null;
  }

  /** Marks the visitor's latest open invitation shown since `since` as answered by a message. */
  async acceptLatest(
    tx: Db,
    visitor: { workspaceId: string; channelId: string; visitorId: string },
    answer: { conversationId: string; cycle: number; at: Date; since: Date },
  ): Promise<ProactiveInvitationRow | null> {
    const result: ProactiveInvitationRow[] | [ProactiveInvitationRow[], number] = await tx.query(
      `UPDATE proactive_invitations SET accepted_at = $4, conversation_id = $5, cycle = $6
        WHERE id = (SELECT id FROM proactive_invitations
                     WHERE workspace_id = $1 AND channel_id = $2 AND visitor_id = $3 AND accepted_at IS NULL
                       AND shown_at >= $7 AND shown_at <= $4
                     ORDER BY shown_at DESC LIMIT 1 FOR UPDATE)
        RETURNING *`,
      [
        visitor.workspaceId,
        visitor.channelId,
        visitor.visitorId,
        answer.at,
        answer.conversationId,
        answer.cycle,
        answer.since,
      ],
    );
    return returnedRows(result)[0] ?? null;
  }
}
