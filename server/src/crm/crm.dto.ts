import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { CrmConnectionDto, CrmStatusEvent, DealDto } from '@onebox/contracts';
import {
  IsArray,
  IsBoolean,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  MinLength,
  ValidateIf,
} from 'class-validator';
import type { CrmConnectionRow } from './crm.repository';
import type { DealRow, StageHistoryRow } from './deals.repository';

export const CRM_TYPES = ['amocrm', 'bitrix24'] as const;

export class CreateCrmBody {
  @ApiProperty({ enum: CRM_TYPES })
  @IsIn(CRM_TYPES)
  type: 'amocrm' | 'bitrix24';

  @ApiProperty()
  @IsString()
  @MinLength(1)
  @MaxLength(80)
  name: string;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } })
  @IsObject()
  settings: Record<string, string>;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(40)
  pipelineId?: string;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  autoCreateDeal?: boolean;
}

export class UpdateCrmBody {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(80)
  name?: string;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsString()
  @MaxLength(40)
  pipelineId?: string | null;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsString()
  @MaxLength(60)
  stageId?: string | null;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  autoCreateDeal?: boolean;

  @ApiPropertyOptional({ nullable: true, type: [String] })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsArray()
  @IsUUID('all', { each: true })
  channelIds?: string[] | null;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } })
  @IsOptional()
  @IsObject()
  userMap?: Record<string, string>;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'new values for some settings, e.g. {applicationToken}',
  })
  @IsOptional()
  @IsObject()
  settings?: Record<string, string>;
}

export class CreateDealBody {
  @ApiPropertyOptional({ description: 'link an existing CRM deal by its id' })
  @IsOptional()
  @IsString()
  @Matches(/^[0-9A-Za-z_-]{1,40}$/, { message: 'externalId must be a CRM deal id' })
  externalId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  title?: string;
}

export class UpdateDealBody {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(60)
  stageId?: string;

  @ApiPropertyOptional({ example: '15000.00' })
  @IsOptional()
  @IsString()
  @Matches(/^\d{1,15}(\.\d{1,2})?$/, { message: 'amount must be a decimal number with up to 2 decimals' })
  amount?: string;

  @ApiPropertyOptional({ example: 'RUB' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO code' })
  currency?: string;
}

/** amoCRM's URL carries the connection's webhook secret (given in clear, it is sealed in the row). */
export function crmWebhookUrl(publicUrl: string, row: Pick<CrmConnectionRow, 'id' | 'type'>, secret: string): string {
  return row.type === 'amocrm'
    ? `${publicUrl}/webhooks/amocrm/${row.id}/${secret}`
    : `${publicUrl}/webhooks/bitrix24/${row.id}`;
}

export function mapCrmStatus(row: CrmConnectionRow): CrmStatusEvent {
  return {
    id: row.id,
    type: row.type,
    name: row.name,
    status: row.status,
    statusMessage: row.status_message,
    degradedSince: row.degraded_since?.toISOString() ?? null,
  };
}

export function mapCrmConnection(
  row: CrmConnectionRow,
  webhookUrl: string,
  sync: { pending: number; failed: number; last_error: string | null },
): CrmConnectionDto {
  return {
    ...mapCrmStatus(row),
    accountName: row.settings.accountName ?? '',
    webhookUrl,
    pipelineId: row.settings.pipelineId ?? null,
    stageId: row.settings.stageId ?? null,
    autoCreateDeal: row.settings.autoCreateDeal ?? true,
    channelIds: row.settings.channelIds ?? null,
    userMap: row.settings.userMap ?? {},
    sync: {
      pending: sync.pending,
      failed: sync.failed,
      lastError: sync.last_error,
      lastSyncedAt: row.last_synced_at?.toISOString() ?? null,
    },
    createdAt: row.created_at.toISOString(),
  };
}

export function mapDeal(
  row: DealRow,
  connection: Pick<CrmConnectionRow, 'type'>,
  history: StageHistoryRow[],
  url: string | null,
  responsibleName: string | null,
): DealDto {
  return {
    id: row.id,
    crmId: row.crm_connection_id,
    crmType: connection.type,
    externalId: row.external_id,
    title: row.title,
    pipelineId: row.pipeline_id,
    stageId: row.stage_id,
    stageName: row.stage_name,
    semantic: row.semantic,
    amount: row.amount === null ? null : String(row.amount),
    currency: row.currency,
    responsible: row.responsible_external_id ? { crmUserId: row.responsible_external_id, name: responsibleName } : null,
    url,
    closedAt: row.closed_at?.toISOString() ?? null,
    cycle: row.cycle,
    syncState: row.sync_state,
    syncError: row.sync_error,
    history: history.map((h) => ({
      stageId: h.stage_id,
      stageName: h.stage_name,
      semantic: h.semantic,
      amount: h.amount === null ? null : String(h.amount),
      at: h.at.toISOString(),
    })),
    createdAt: row.created_at.toISOString(),
  };
}
