import { Inject, Injectable } from '@nestjs/common';
import type { ChannelType, SurveyKind, SurveySettings } from '@onebox/contracts';
import { DataSource } from 'typeorm';
import type { ConversationRow } from '../conversations/conversations.repository';
import { returnedRows, type Db } from '../database/database';

export interface SurveyRow {
  id: string;
  workspace_id: string;
  conversation_id: string;
  cycle: number;
  channel_id: string;
  manager_id: string | null;
  kind: SurveyKind;
  message_id: string | null;
  /** Null when nothing was sent (WhatsApp outside its 24-hour window). */
  sent_at: Date | null;
  skipped_reason: string | null;
  created_at: Date;
}

export interface SurveyResponseRow {
  id: string;
  survey_id: string;
  workspace_id: string;
  conversation_id: string;
  cycle: number;
  channel_id: string;
  manager_id: string | null;
  kind: SurveyKind;
  score: number;
  comment: string | null;
  answered_at: Date;
}

export type SurveyListRow = SurveyRow & { score: number | null; comment: string | null; answered_at: Date | null };

/** A survey with who may answer it: the external id of its conversation's contact on the channel. */
export type AnswerableSurvey = SurveyRow & { contact_external_id: string | null; channel_type: ChannelType };

export type LockedConversation = ConversationRow & { channel_type: ChannelType; locale: 'ru' | 'en'; survey: unknown };

@Injectable()
export class SurveysRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  async settings(workspaceId: string): Promise<{ survey: unknown; locale: 'ru' | 'en' } | null> {
    const rows: { survey: unknown; locale: 'ru' | 'en' }[] = await this.db.query(
      `SELECT settings->'survey' AS survey, locale FROM workspaces WHERE id = $1`,
      [workspaceId],
    );
    return rows[0] ?? null;
  }

  /** Writes only the `survey` key: other features keep theirs. */
  async saveSettings(workspaceId: string, settings: SurveySettings): Promise<void> {
    await this.db.query(
      `UPDATE workspaces SET settings = settings || jsonb_build_object('survey', $2::jsonb) WHERE id = $1`,
      [workspaceId, JSON.stringify(settings)],
    );
  }

  /** The conversation, locked, with its channel type and the workspace's survey settings and locale. */
  async lockConversation(tx: Db, conversationId: string): Promise<LockedConversation | null> {
    const rows: LockedConversation[] = await tx.query(
      `SELECT c.*, ch.type AS channel_type, w.locale, w.settings->'survey' AS survey
         FROM conversations c JOIN channels ch ON ch.id = c.channel_id JOIN workspaces w ON w.id = c.workspace_id
        WHERE c.id = $1 FOR UPDATE OF c`,
      [conversationId],
    );
    return rows[0] ?? null;
  }

  async findForCycle(tx: Db, workspaceId: string, conversationId: string, cycle: number): Promise<SurveyRow | null> {
    const rows: SurveyRow[] = await tx.query(
      'SELECT * FROM surveys WHERE workspace_id = $1 AND conversation_id = $2 AND cycle = $3',
      [workspaceId, conversationId, cycle],
    );
    return rows[0] ?? null;
  }

  /** The manager of a cycle: who sent its first human reply, else the assignee. */
  async cycleManager(
    tx: Db,
    conversation: Pick<ConversationRow, 'workspace_id' | 'id' | 'assignee_id'>,
    cycle: number,
  ): Promise<string | null> {
    const rows: { actor_id: string }[] = await tx.query(
      `SELECT actor_id FROM conversation_events
        WHERE workspace_id = $1 AND conversation_id = $2 AND cycle = $3 AND type = 'human_reply' AND actor_id IS NOT NULL
        ORDER BY at, id LIMIT 1`,
      [conversation.workspace_id, conversation.id, cycle],
    );
    return rows[0]?.actor_id ?? conversation.assignee_id;
  }

  async insert(tx: Db, survey: Omit<SurveyRow, 'created_at'>): Promise<SurveyRow | null> {
    const rows: SurveyRow[] = await tx.query(
      `INSERT INTO surveys (id, workspace_id, conversation_id, cycle, channel_id, manager_id, kind, message_id, sent_at, skipped_reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (workspace_id, conversation_id, cycle) DO NOTHING RETURNING *`,
      [
        survey.id,
        survey.workspace_id,
        survey.conversation_id,
        survey.cycle,
        survey.channel_id,
        survey.manager_id,
        survey.kind,
        survey.message_id,
        survey.sent_at,
        survey.skipped_reason,
      ],
    );
    return rows[0] ?? null;
  }

  /** A sent survey of the workspace, locked, with the contact allowed to answer it. */
  async lockAnswerable(tx: Db, workspaceId: string, surveyId: string): Promise<AnswerableSurvey | null> {
    const rows: AnswerableSurvey[] = await tx.query(
      `SELECT s.*, ci.external_id AS contact_external_id, ch.type AS channel_type
         FROM surveys s
         JOIN conversations c ON c.id = s.conversation_id
         JOIN channels ch ON ch.id = s.channel_id
         LEFT JOIN contact_identities ci ON ci.channel_id = s.channel_id AND ci.contact_id = c.contact_id
        WHERE s.workspace_id = $1 AND s.id = $2 AND s.sent_at IS NOT NULL
        FOR UPDATE OF s`,
      [workspaceId, surveyId],
    );
    return rows[0] ?? null;
  }

  /** The first answer wins: a second one inserts nothing (null). */
  async insertResponse(
    tx: Db,
    survey: SurveyRow,
    answer: { score: number; comment: string | null; at: Date },
  ): Promise<SurveyResponseRow | null> {
    const rows: SurveyResponseRow[] = await tx.query(
      `INSERT INTO survey_responses (survey_id, workspace_id, conversation_id, cycle, channel_id, manager_id, kind, score, comment, answered_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (workspace_id, survey_id) DO NOTHING RETURNING *`,
      [
        survey.id,
        survey.workspace_id,
        survey.conversation_id,
        survey.cycle,
        survey.channel_id,
        survey.manager_id,
        survey.kind,
        answer.score,
        answer.comment,
        answer.at,
      ],
    );
    return rows[0] ?? null;
  }

  /** A comment sent after the score (widget) completes the answer once. */
  async addComment(tx: Db, workspaceId: string, surveyId: string, comment: string): Promise<boolean> {
    const result: unknown[] | [unknown[], number] = await tx.query(
      `UPDATE survey_responses SET comment = $3 WHERE workspace_id = $1 AND survey_id = $2 AND comment IS NULL RETURNING id`,
      [workspaceId, surveyId, comment],
    );
    return returnedRows(result).length > 0;
  }

  listForConversation(workspaceId: string, conversationId: string): Promise<SurveyListRow[]> {
    return this.db.query(
      `SELECT s.*, r.score, r.comment, r.answered_at
         FROM surveys s LEFT JOIN survey_responses r ON r.workspace_id = s.workspace_id AND r.survey_id = s.id
        WHERE s.workspace_id = $1 AND s.conversation_id = $2 AND s.sent_at IS NOT NULL
        ORDER BY s.cycle`,
      [workspaceId, conversationId],
    );
  }

  async findListRow(workspaceId: string, surveyId: string): Promise<SurveyListRow | null> {
    const rows: SurveyListRow[] = await this.db.query(
      `SELECT s.*, r.score, r.comment, r.answered_at
         FROM surveys s LEFT JOIN survey_responses r ON r.workspace_id = s.workspace_id AND r.survey_id = s.id
        WHERE s.workspace_id = $1 AND s.id = $2`,
      [workspaceId, surveyId],
    );
    return rows[0] ?? null;
  }

  /** The survey of the conversation's current cycle while it is sent and unanswered. */
  async pendingForConversation(workspaceId: string, conversationId: string): Promise<SurveyRow | null> {
    const rows: SurveyRow[] = await this.db.query(
      `SELECT s.* FROM surveys s JOIN conversations c ON c.id = s.conversation_id AND c.cycle = s.cycle
        WHERE s.workspace_id = $1 AND s.conversation_id = $2 AND s.sent_at IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM survey_responses r WHERE r.workspace_id = s.workspace_id AND r.survey_id = s.id)`,
      [workspaceId, conversationId],
    );
    return rows[0] ?? null;
  }
}
