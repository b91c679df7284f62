import { Injectable } from '@nestjs/common';
import type { CrmPipeline, CrmUser } from '@onebox/crm';
import type { CrmConnectionRow } from './crm.repository';
import { CrmSessions } from './crm-sessions.service';

const TTL_MS = 60_000;

/**
 * A connection's pipelines (with stage names and won/lost meaning) and CRM users, read from the
 * CRM and remembered for a minute: the settings page, deal cards and syncs all need them. Entries
 * are keyed by the connection's sealed credentials too, so a re-authorization (maybe onto another
 * CRM account) made through any server process is read afresh by every process.
 */
@Injectable()
export class CrmCatalog {
  private readonly cache = new Map<string, { until: number; pipelines?: CrmPipeline[]; users?: CrmUser[] }>();

  constructor(private readonly sessions: CrmSessions) {}

  async pipelines(connection: CrmConnectionRow): Promise<CrmPipeline[]> {
    const entry = this.entry(connection);
    if (!entry.pipelines) {
      const { adapter, settings, ctx } = await this.sessions.ready(connection);
      entry.pipelines = await adapter.listPipelines(settings, ctx);
    }
    return entry.pipelines ?? [];
  }

  async users(connection: CrmConnectionRow): Promise<CrmUser[]> {
    const entry = this.entry(connection);
    if (!entry.users) {
      const { adapter, settings, ctx } = await this.sessions.ready(connection);
      entry.users = await adapter.listUsers(settings, ctx);
    }
    return entry.users ?? [];
  }

  /** The stage's name in the connection's pipelines, or null when it is not known (yet). */
  async stageName(connection: CrmConnectionRow, stageId: string | null): Promise<string | null> {
    if (!stageId) return null;
    const pipelines = await this.pipelines(connection).catch(() => []);
    for (const pipeline of pipelines) for (const stage of pipeline.stages) if (stage.id === stageId) return stage.name;
    return null;
  }

  forget(connectionId: string): void {
    for (const key of this.cache.keys()) if (key.startsWith(`${connectionId}:`)) this.cache.delete(key);
  }

  private entry(connection: CrmConnectionRow): { until: number; pipelines?: CrmPipeline[]; users?: CrmUser[] } {
    const now = Date.now();
    // Sealed settings start with their random IV (`v1.<iv>.…`): it changes whenever they are sealed anew.
    const key = `${connection.id}:${connection.settings_enc.slice(0, 24)}`;
    let entry = this.cache.get(key);
    if (!entry || entry.until < now) {
      for (const [k, old] of this.cache) if (old.until < now) this.cache.delete(k);
      entry = { until: now + TTL_MS };
      this.cache.set(key, entry);
    }
    return entry;
  }
}
