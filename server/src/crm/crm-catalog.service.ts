import { Injectable } from '@nestjs/common';
import type { CrmPipeline, CrmUser } from '@onebox/crm';
import type { CrmConnectionRow } from './crm.repository';
import { CrmPacer } from './crm-pacer.service';
import { CrmSessions } from './crm-sessions.service';

const TTL_MS = 60_000;

/**
 * A connection's pipelines (with stage names and won/lost meaning) and CRM users, read from the
 * CRM (in turn with the sync's calls) and remembered for a minute: the settings page, deal cards
 * and syncs all need them.
 */
@Injectable()
export class CrmCatalog {
  private readonly cache = new Map<string, { until: number; pipelines?: CrmPipeline[]; users?: CrmUser[] }>();

  constructor(
    private readonly sessions: CrmSessions,
    private readonly pacer: CrmPacer,
  ) {}

  async pipelines(connection: CrmConnectionRow): Promise<CrmPipeline[]> {
    const entry = this.entry(connection.id);
    if (!entry.pipelines) {
      const { adapter, settings, ctx } = await this.sessions.ready(connection);
      await this.pacer.wait(connection.id, adapter.rateLimit);
      entry.pipelines = await adapter.listPipelines(settings, ctx);
    }
    return entry.pipelines ?? [];
  }

  async users(connection: CrmConnectionRow): Promise<CrmUser[]> {
    const entry = this.entry(connection.id);
    if (!entry.users) {
      const { adapter, settings, ctx } = await this.sessions.ready(connection);
      await this.pacer.wait(connection.id, adapter.rateLimit);
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
    this.cache.delete(connectionId);
  }

  private entry(id: string): { until: number; pipelines?: CrmPipeline[]; users?: CrmUser[] } {
    const now = Date.now();
    let entry = this.cache.get(id);
    if (!entry || entry.until < now) {
      entry = { until: now + TTL_MS };
      this.cache.set(id, entry);
    }
    return entry;
  }
}
