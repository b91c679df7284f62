import { Injectable } from '@nestjs/common';
import type { CrmPipeline, CrmUser } from '@onebox/crm';
import type { ConnectedCrm } from './crm-registry.service';
import type { CrmConnectionRow } from './crm.repository';
import { CrmPacer } from './crm-pacer.service';
import { CrmSessions } from './crm-sessions.service';

const TTL_MS = 60_000;

interface CatalogEntry {
  until: number;
  /** Reads under way or done: `pipelines` answers CrmPipeline[], `users` CrmUser[]. */
  pipelines?: Promise<unknown>;
  users?: Promise<unknown>;
}

/**
 * A connection's pipelines (with stage names and won/lost meaning) and CRM users, read from the
 * CRM (in turn with the sync's calls) and remembered for a minute: the settings page, deal cards
 * and syncs all need them. Entries are keyed by the connection's sealed credentials too, so a
 * re-authorization made through any server process is read afresh by every process.
 */
@Injectable()
export class CrmCatalog {
  private readonly cache = new Map<string, CatalogEntry>();

  constructor(
    private readonly sessions: CrmSessions,
    private readonly pacer: CrmPacer,
  ) {}

  pipelines(connection: CrmConnectionRow): Promise<CrmPipeline[]> {
    return this.remember(connection, 'pipelines', (crm) => crm.adapter.listPipelines(crm.settings, crm.ctx));
  }

  users(connection: CrmConnectionRow): Promise<CrmUser[]> {
    return this.remember(connection, 'users', (crm) => crm.adapter.listUsers(crm.settings, crm.ctx));
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

  /** One read for everyone asking at once (sync jobs side by side); a failed read is not remembered. */
  private remember<T>(
    connection: CrmConnectionRow,
    key: 'pipelines' | 'users',
    read: (crm: ConnectedCrm) => Promise<T>,
  ): Promise<T> {
    const entry = this.entry(connection);
    const known = entry[key] as Promise<T> | undefined;
    if (known) return known;
    const reading = (async () => {
      const crm = await this.sessions.ready(connection);
      await this.pacer.wait(connection.id, crm.adapter.rateLimit);
      return read(crm);
    })();
    entry[key] = reading;
    reading.catch(() => {
      if (entry[key] === reading) delete entry[key];
    });
    return reading;
  }

  private entry(connection: CrmConnectionRow): CatalogEntry {
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
