import { Injectable } from '@nestjs/common';
import type { ChannelWorkingHoursDto, CostSettings, WeeklySchedule, WorkspaceSettingsDto } from '@onebox/contracts';
import type { AuthUser } from '../auth/auth-user';
import { ApiException } from '../common/api.exception';
import type { Db } from '../database/database';
import { TransactionService } from '../database/transaction.service';
import { RetentionRepository } from '../lifecycle/retention.repository';
import { TimersRepository } from '../timers/timers.repository';
import {
  ChannelWorkingHoursBody,
  mapWorkspaceSettings,
  normalizeSchedule,
  UpdateWorkspaceSettingsBody,
} from './workspace-settings.dto';
import { WorkspaceSettingsRepository } from './workspace-settings.repository';

/** Workspace-wide settings (thresholds, windows, working hours, after-hours reply) and channels' own hours. */
@Injectable()
export class WorkspaceSettingsService {
  constructor(
    private readonly settings: WorkspaceSettingsRepository,
    private readonly timers: TimersRepository,
    private readonly tx: TransactionService,
    private readonly retention: RetentionRepository,
  ) {}

  async get(auth: AuthUser): Promise<WorkspaceSettingsDto> {
    const row = await this.settings.find(auth.workspaceId);
    if (!row) throw ApiException.notFound('Workspace');
    return mapWorkspaceSettings(row);
  }

  /** Writes only the fields given, each under its own key; turning auto-resolve on starts its sweep. */
  async update(auth: AuthUser, body: UpdateWorkspaceSettingsBody): Promise<WorkspaceSettingsDto> {
    if (body.afterHoursReply?.enabled && !body.afterHoursReply.text.trim())
      throw ApiException.invalid('afterHoursReply.text', 'must not be empty while the reply is enabled');
    const patch: Record<string, unknown> = {};
    for (const key of [
      'missedChatThresholdSec',
      'firstResponseTargetSec',
      'autoResolveHours',
      'fcrWindowDays',
      'conversionWindowDays',
      'messageRetentionDays',
    ] as const) {
      if (body[key] !== undefined) patch[key] = body[key];
    }
    if (body.workingHours !== undefined)
      patch['workingHours'] = body.workingHours === null ? null : normalizeSchedule(body.workingHours);
    if (body.afterHoursReply)
      patch['afterHoursReply'] = { enabled: body.afterHoursReply.enabled, text: body.afterHoursReply.text.trim() };
    if (body.costs !== undefined)
      patch['costs'] = body.costs && {
        currency: body.costs.currency,
        managerHourly: { ...body.costs.managerHourly },
        channelMonthly: { ...body.costs.channelMonthly },
      };
    const row = await this.tx.run(async (tx) => {
      if (body.costs) await this.checkCostOwners(tx, auth.workspaceId, body.costs);
      const updated = await this.settings.update(tx, auth.workspaceId, patch, body.timeZone);
      if (!updated) throw ApiException.notFound('Workspace');
      if (typeof body.autoResolveHours === 'number') await this.timers.ensureAutoResolveSweep(tx, auth.workspaceId);
      if (typeof body.messageRetentionDays === 'number') await this.retention.ensureJob(tx, auth.workspaceId);
      return updated;
    });
    return mapWorkspaceSettings(row);
  }

  /** Every user and channel a cost names must be this workspace's (another's answers like a missing one). */
  private async checkCostOwners(tx: Db, workspaceId: string, costs: CostSettings): Promise<void> {
    const { users, channels } = await this.settings.ownedIds(
      tx,
      workspaceId,
      Object.keys(costs.managerHourly),
      Object.keys(costs.channelMonthly),
    );
    const missingUser = Object.keys(costs.managerHourly).find((id) => !users.has(id.toLowerCase()));
    if (missingUser) throw ApiException.invalid('costs.managerHourly', `no user ${missingUser} in this workspace`);
    const missingChannel = Object.keys(costs.channelMonthly).find((id) => !channels.has(id.toLowerCase()));
    if (missingChannel)
      throw ApiException.invalid('costs.channelMonthly', `no channel ${missingChannel} in this workspace`);
  }

  async channelHours(auth: AuthUser, channelId: string): Promise<ChannelWorkingHoursDto> {
    const found = await this.settings.channelWorkingHours(auth.workspaceId, channelId);
    if (!found) throw ApiException.notFound('Channel');
    return { channelId, workingHours: (found.workingHours as WeeklySchedule | null) ?? null };
  }

  async setChannelHours(
    auth: AuthUser,
    channelId: string,
    body: ChannelWorkingHoursBody,
  ): Promise<ChannelWorkingHoursDto> {
    const workingHours = body.workingHours ? normalizeSchedule(body.workingHours) : null;
    if (!(await this.settings.setChannelWorkingHours(auth.workspaceId, channelId, workingHours)))
      throw ApiException.notFound('Channel');
    return { channelId, workingHours };
  }
}
