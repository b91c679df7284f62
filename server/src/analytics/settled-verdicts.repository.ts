import { Injectable } from '@nestjs/common';
import { workspaceSettingsFrom } from '@onebox/contracts';
import type { Db } from '../database/database';
import { ADVANCE_SETTLED, CLEAR_VERDICTS, RECOUNT_VERDICTS, RESETTLE_ROW } from './verdicts.sql';

export interface SettledRow {
  workspace_id: string;
  missed_threshold_sec: number;
  first_response_target_sec: number;
  fcr_window_days: number;
  conversion_window_days: number;
  settled_at: Date;
}

/**
 * The rollup's verdicts (verdicts.sql.ts) and the settings and instant they are judged at
 * (`analytics_settled`): settling a workspace anew and moving its instant along. The refresher
 * calls them in its transaction, under its lock; CycleFactsRepository moves the verdicts of the
 * cycles it replaces.
 */
@Injectable()
export class SettledVerdictsRepository {
  /**
   * A workspace with cycles whose verdicts are not settled (this one, or any), if there is one.
   * A workspace without cycles needs none: its summaries judge nothing either way.
   */
  async unsettledWorkspace(tx: Db, workspaceId?: string): Promise<string | null> {
    const rows: { id: string }[] = await tx.query(
      `SELECT w.id FROM workspaces w
        WHERE ($1::uuid IS NULL OR w.id = $1)
          AND NOT EXISTS (SELECT 1 FROM analytics_settled s WHERE s.workspace_id = w.id)
          AND EXISTS (SELECT 1 FROM conversation_cycles c WHERE c.workspace_id = w.id)
        LIMIT 1`,
      [workspaceId ?? null],
    );
    return rows[0]?.id ?? null;
  }

  /** Judges all of a workspace's verdicts anew, with its current settings, at `at`. */
  async resettle(tx: Db, workspaceId: string, at: Date): Promise<void> {
    const [workspace]: { settings: Record<string, unknown>; time_zone: string }[] = await tx.query(
      'SELECT settings, time_zone FROM workspaces WHERE id = $1',
      [workspaceId],
    );
    if (!workspace) return;
    const settings = workspaceSettingsFrom(workspace.settings, workspace.time_zone);
    await tx.query(RESETTLE_ROW, [
      workspaceId,
      settings.missedChatThresholdSec,
      settings.firstResponseTargetSec,
      settings.fcrWindowDays,
      settings.conversionWindowDays,
      at,
    ]);
    await tx.query(CLEAR_VERDICTS, [workspaceId]);
    await tx.query(RECOUNT_VERDICTS, [workspaceId]);
  }

  /** Settled rows judged before `before`, oldest first. */
  async stale(tx: Db, before: Date, limit: number): Promise<SettledRow[]> {
    return tx.query('SELECT * FROM analytics_settled WHERE settled_at < $1 ORDER BY settled_at LIMIT $2', [
      before,
      limit,
    ]);
  }

  /** Moves a workspace's verdicts (and its `settled_at`) on to `to`. */
  async advance(tx: Db, row: SettledRow, to: Date): Promise<void> {
    await tx.query(ADVANCE_SETTLED, [
      row.workspace_id,
      to,
      row.settled_at,
      row.missed_threshold_sec,
      row.first_response_target_sec,
      row.fcr_window_days,
      row.conversion_window_days,
    ]);
  }
}
