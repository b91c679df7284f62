import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { returnedRows, type Db } from '../database/database';

export type DealSemantic = 'open' | 'won' | 'lost';

export interface DealRow {
  id: string;
  workspace_id: string;
  crm_connection_id: string;
  conversation_id: string;
  cycle: number;
  origin: 'auto' | 'manual' | 'linked';
  external_id: string | null;
  title: string;
  pipeline_id: string | null;
  stage_id: string | null;
  stage_name: string | null;
  semantic: DealSemantic;
  amount: string | null;
  currency: string | null;
  responsible_external_id: string | null;
  closed_at: Date | null;
  sync_state: 'pending' | 'synced' | 'failed';
  sync_error: string | null;
  transcript_sent_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface StageHistoryRow {
  stage_id: string;
  stage_name: string | null;
  semantic: DealSemantic;
  amount: string | null;
  currency: string | null;
  at: Date;
}

export interface DealState {
  pipelineId: string | null;
  stageId: string | null;
  stageName: string | null;
  semantic: DealSemantic;
  amount: string | null;
  currency: string | null;
  responsibleExternalId: string | null;
  closedAt: Date | null;
}

/** Deals tied to conversation cycles, and every stage they went through (for conversion metrics). */
@Injectable()
export class DealsRepository {
  constructor(@Inject(DataSource) private readonly db: DataSource) {}

  /**
   * A deal row waiting for the CRM. An automatic deal is unique per conversation cycle: null when
   * one already exists.
   */
  async insertPending(
    deal: Pick<DealRow, 'workspace_id' | 'crm_connection_id' | 'conversation_id' | 'cycle' | 'origin' | 'title'> & {
      external_id?: string | null;
    },
    tx: Db = this.db.manager,
  ): Promise<DealRow | null> {
    const rows: DealRow[] = await tx.query(
      `INSERT INTO deals (workspace_id, crm_connection_id, conversation_id, cycle, origin, title, external_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING *`,
      [
        deal.workspace_id,
        deal.crm_connection_id,
        deal.conversation_id,
        deal.cycle,
        deal.origin,
        deal.title,
        deal.external_id ?? null,
      ],
    );
    return rows[0] ?? null;
  }

  async findById(id: string): Promise<DealRow | null> {
    const rows: DealRow[] = await this.db.query('SELECT * FROM deals WHERE id = $1', [id]);
    return rows[0] ?? null;
  }

  async findAutoForCycle(conversationId: string, cycle: number): Promise<DealRow | null> {
    const rows: DealRow[] = await this.db.query(
      `SELECT * FROM deals WHERE conversation_id = $1 AND cycle = $2 AND origin = 'auto'`,
      [conversationId, cycle],
    );
    return rows[0] ?? null;
  }

  /** The deal of a conversation cycle (the newest when a manager added more). */
  async findForCycle(workspaceId: string, conversationId: string, cycle: number): Promise<DealRow | null> {
    const rows: DealRow[] = await this.db.query(
      'SELECT * FROM deals WHERE workspace_id = $1 AND conversation_id = $2 AND cycle = $3 ORDER BY created_at DESC LIMIT 1',
      [workspaceId, conversationId, cycle],
    );
    return rows[0] ?? null;
  }

  async findByExternalId(connectionId: string, externalId: string): Promise<DealRow[]> {
    return this.db.query('SELECT * FROM deals WHERE crm_connection_id = $1 AND external_id = $2', [
      connectionId,
      externalId,
    ]);
  }

  async latestForConversation(workspaceId: string, conversationId: string): Promise<DealRow | null> {
    const rows: DealRow[] = await this.db.query(
      'SELECT * FROM deals WHERE workspace_id = $1 AND conversation_id = $2 ORDER BY created_at DESC LIMIT 1',
      [workspaceId, conversationId],
    );
    return rows[0] ?? null;
  }

  history(workspaceId: string, dealId: string): Promise<StageHistoryRow[]> {
    return this.db.query(
      'SELECT stage_id, stage_name, semantic, amount::text AS amount, currency, at FROM deal_stage_history WHERE workspace_id = $1 AND deal_id = $2 ORDER BY at, id',
      [workspaceId, dealId],
    );
  }

  async setExternalId(id: string, externalId: string): Promise<void> {
    await this.db.query(`UPDATE deals SET external_id = $2, updated_at = now() WHERE id = $1`, [id, externalId]);
  }

  /**
   * Applies the CRM's view of the deal; a change of stage (or of amount at the same stage) is
   * appended to the stage history in the same transaction. Answers the updated row.
   */
  async applyState(id: string, state: DealState, at: Date): Promise<DealRow | null> {
    return this.db.transaction(async (tx) => {
      const [before]: DealRow[] = await tx.query('SELECT * FROM deals WHERE id = $1 FOR UPDATE', [id]);
      if (!before) return null;
      const rows = returnedRows<DealRow>(
        await tx.query(
          `UPDATE deals SET pipeline_id = COALESCE($2, pipeline_id), stage_id = $3, semantic = $4, amount = $5::numeric, currency = $6,
             responsible_external_id = $7, closed_at = $8, stage_name = $9, sync_state = 'synced', sync_error = NULL, updated_at = now()
           WHERE id = $1 RETURNING *`,
          [
            id,
            state.pipelineId,
            state.stageId,
            state.semantic,
            state.amount,
            state.currency,
            state.responsibleExternalId,
            state.closedAt,
            state.stageName,
          ],
        ),
      );
      const after = rows[0];
      const amountChanged =
        (before.amount === null ? null : Number(before.amount)) !==
        (state.amount === null ? null : Number(state.amount));
      if (state.stageId && (before.stage_id !== state.stageId || amountChanged)) {
        await tx.query(
          `INSERT INTO deal_stage_history (workspace_id, deal_id, stage_id, stage_name, semantic, amount, currency, at)
           VALUES ($1, $2, $3, $4, $5, $6::numeric, $7, $8)`,
          [after.workspace_id, id, state.stageId, state.stageName, state.semantic, state.amount, state.currency, at],
        );
      }
      return after;
    });
  }

  async markFailed(id: string, error: string): Promise<void> {
    await this.db.query(`UPDATE deals SET sync_state = 'failed', sync_error = $2, updated_at = now() WHERE id = $1`, [
      id,
      error,
    ]);
  }

  async markPending(id: string, tx: Db = this.db.manager): Promise<void> {
    await tx.query(`UPDATE deals SET sync_state = 'pending', sync_error = NULL, updated_at = now() WHERE id = $1`, [
      id,
    ]);
  }

  async markTranscriptSent(id: string): Promise<void> {
    await this.db.query('UPDATE deals SET transcript_sent_at = now() WHERE id = $1', [id]);
  }
}
