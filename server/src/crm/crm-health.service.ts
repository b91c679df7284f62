import { Injectable } from '@nestjs/common';
import { RealtimeService } from '../realtime/realtime.service';
import { mapCrmStatus } from './crm.dto';
import { CrmRepository, type CrmConnectionRow } from './crm.repository';

/**
 * Whether the workspace's CRM is answering, as admins see it: `degraded` from the first call that
 * fails and will be retried (an outage), `active` again at the first call that succeeds, `error`
 * when a change was given up. Heads and admins hear of each change of status at once.
 */
@Injectable()
export class CrmHealth {
  constructor(
    private readonly crm: CrmRepository,
    private readonly realtime: RealtimeService,
  ) {}

  async failing(workspaceId: string, error: string): Promise<void> {
    this.tell(await this.crm.recordOutage(workspaceId, error));
  }

  async synced(connectionId: string): Promise<void> {
    this.tell(await this.crm.recordSync(connectionId, null));
  }

  async gaveUp(connectionId: string, error: string): Promise<void> {
    this.tell(await this.crm.recordSync(connectionId, error));
  }

  private tell(changed: CrmConnectionRow | null): void {
    if (changed) this.realtime.toLeads(changed.workspace_id, 'crm.status', mapCrmStatus(changed));
  }
}
