import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { CrmError, type CrmAdapter } from '@onebox/crm';
import type { CrmConnectionDto, CrmPipelineDto, CrmUserDto } from '@onebox/contracts';
import type { AuthUser } from '../auth/auth-user';
import { ApiException } from '../common/api.exception';
import { validateDeclaredFields } from '../common/declared-fields';
import { TokenService } from '../auth/token.service';
import { ChannelsRepository } from '../channels/channels.repository';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { JobWorkerService } from '../jobs/job-worker.service';
import { UsersRepository } from '../users/users.repository';
import { CrmCatalog } from './crm-catalog.service';
import { CrmRegistry } from './crm-registry.service';
import { CreateCrmBody, crmWebhookUrl, mapCrmConnection, UpdateCrmBody } from './crm.dto';
import { CrmRepository, type CrmConnectionRow } from './crm.repository';

const CRM_NAMES = { amocrm: 'amoCRM', bitrix24: 'Bitrix24' } as const;

/** Connecting a CRM, its settings (pipeline, stage, who is who), and the sync status panel. */
@Injectable()
export class CrmService {
  constructor(
    private readonly crm: CrmRepository,
    private readonly registry: CrmRegistry,
    private readonly catalog: CrmCatalog,
    private readonly worker: JobWorkerService,
    private readonly tokens: TokenService,
    private readonly channels: ChannelsRepository,
    private readonly workspaceUsers: UsersRepository,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'publicUrl'>,
  ) {}

  /** Each CRM's settings fields; with OAuth, its fields too (the form shows both ways to connect). */
  types(): {
    type: CrmAdapter['type'];
    settingsFields: CrmAdapter['settingsFields'];
    oauthFields: CrmAdapter['settingsFields'];
  }[] {
    return this.registry
      .all()
      .map((a) => ({ type: a.type, settingsFields: a.settingsFields, oauthFields: a.oauth?.settingsFields ?? [] }));
  }

  /** Managers see that a CRM is connected and how it syncs, not its webhook secret or user map. */
  async list(auth: AuthUser): Promise<CrmConnectionDto[]> {
    const row = await this.crm.findActive(auth.workspaceId);
    if (!row) return [];
    const dto = await this.dto(row);
    return [auth.role === 'admin' ? dto : { ...dto, webhookUrl: '', userMap: {} }];
  }

  async connect(auth: AuthUser, body: CreateCrmBody): Promise<CrmConnectionDto> {
    const adapter = this.registry.adapter(body.type);
    const settings = validateSettings(adapter, body.settings);
    await this.requirePublicAddresses(body.type, settings);
    if (adapter.oauth?.wants(settings)) return this.startAuthorization(auth, body, settings);
    const ctx = this.registry.context(body.type);
    const account = await adapter.checkConnection(settings, ctx).catch((err) => {
      throw connectError(body.type, err);
    });
    const pipelines = await adapter.listPipelines(settings, ctx).catch((err) => {
      throw connectError(body.type, err);
    });
    const pipeline = pipelines.find((p) => p.id === body.pipelineId) ?? pipelines.find((p) => p.isMain) ?? pipelines[0];
    if (body.pipelineId && pipeline?.id !== body.pipelineId)
      throw ApiException.invalid('pipelineId', 'is not a pipeline of this CRM');
    const row = await this.crm.insert({
      workspace_id: auth.workspaceId,
      type: body.type,
      name: body.name.trim(),
      settings_enc: this.registry.seal(settings),
      webhook_secret: this.registry.newWebhookSecret().sealed,
      settings: {
        accountId: account.accountId,
        accountName: account.accountName,
        pipelineId: pipeline?.id ?? null,
        stageId: firstOpenStage(pipeline),
        autoCreateDeal: body.autoCreateDeal ?? true,
        channelIds: null,
        userMap: {},
      },
    });
    if (!row) throw new ApiException(HttpStatus.CONFLICT, 'crm_exists', 'This workspace already has a CRM connected');
    return this.dto(row);
  }

  /**
   * OAuth: the connection waits in `authorizing` with the app's credentials sealed; the answer's
   * `authorizeUrl` sends the admin to the CRM, which comes back to `oauthCallback`.
   */
  private async startAuthorization(
    auth: AuthUser,
    body: CreateCrmBody,
    settings: Record<string, string>,
  ): Promise<CrmConnectionDto> {
    const adapter = this.registry.adapter(body.type);
    const row = await this.crm.insert({
      workspace_id: auth.workspaceId,
      type: body.type,
      name: body.name.trim(),
      settings_enc: this.registry.seal(settings),
      webhook_secret: this.registry.newWebhookSecret().sealed,
      settings: {
        autoCreateDeal: body.autoCreateDeal ?? true,
        channelIds: null,
        userMap: {},
        pipelineId: body.pipelineId ?? null,
      },
      status: 'authorizing',
    });
    if (!row) throw new ApiException(HttpStatus.CONFLICT, 'crm_exists', 'This workspace already has a CRM connected');
    const state = await this.tokens.signCrmState(row.id);
    const authorizeUrl = adapter.oauth!.authorizeUrl(settings, { state, redirectUri: this.redirectUri() });
    return { ...(await this.dto(row)), authorizeUrl };
  }

  /**
   * The CRM's redirect after the admin granted access: trades the code for tokens, checks the
   * connection, picks the pipeline, and answers where to send the admin's browser.
   */
  async oauthCallback(query: Record<string, string>): Promise<string> {
    const settingsPage = `${this.config.publicUrl}/settings?tab=crm`;
    const id = query['state'] ? await this.tokens.verifyCrmState(query['state']) : null;
    const row = id ? await this.crm.findById(id) : null;
    if (!row || !query['code'])
      return `${settingsPage}&error=${encodeURIComponent('The authorization link expired or was not issued by Onebox')}`;
    const { adapter, settings: current, ctx } = this.registry.connect(row);
    const { webhookSecret: _secret, ...stored } = current;
    try {
      const settings = await adapter.oauth!.exchangeCode(
        stored,
        { code: query['code'], redirectUri: this.redirectUri(), query },
        ctx,
      );
      const account = await adapter.checkConnection(settings, ctx);
      const pipelines = await adapter.listPipelines(settings, ctx);
      const pipeline =
        pipelines.find((p) => p.id === row.settings.pipelineId) ?? pipelines.find((p) => p.isMain) ?? pipelines[0];
      await this.crm.completeAuthorization(row.id, this.registry.seal(settings), {
        ...row.settings,
        accountId: account.accountId,
        accountName: account.accountName,
        pipelineId: pipeline?.id ?? null,
        stageId: firstOpenStage(pipeline),
      });
      this.catalog.forget(row.id);
      return `${settingsPage}&connected=1`;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      await this.crm.setStatus(row.id, 'error', `Authorization failed: ${message}`).catch(() => undefined);
      return `${settingsPage}&error=${encodeURIComponent(message)}`;
    }
  }

  /** A fresh consent link for an OAuth connection (first time, or after access was revoked). */
  async authorizeUrl(auth: AuthUser, id: string): Promise<{ authorizeUrl: string }> {
    const row = await this.require(auth, id);
    const { adapter, settings } = this.registry.connect(row);
    if (!adapter.oauth?.wants({ ...settings, accessToken: '' })) {
      throw new ApiException(HttpStatus.CONFLICT, 'not_oauth', 'This CRM is connected with a token, not OAuth');
    }
    return {
      authorizeUrl: adapter.oauth.authorizeUrl(settings, {
        state: await this.tokens.signCrmState(row.id),
        redirectUri: this.redirectUri(),
      }),
    };
  }

  private redirectUri(): string {
    return `${this.config.publicUrl}/api/crm/oauth/callback`;
  }

  async update(auth: AuthUser, id: string, body: UpdateCrmBody): Promise<CrmConnectionDto> {
    const row = await this.require(auth, id);
    await this.checkReferences(auth, body);
    if (body.settings) {
      const merged = this.mergedSettings(row, body.settings);
      await this.requirePublicAddresses(row.type, merged);
      await this.crm.updateSealed(row.id, this.registry.seal(merged));
    }
    const settings = { ...row.settings };
    if (body.pipelineId !== undefined) settings.pipelineId = body.pipelineId;
    if (body.stageId !== undefined) settings.stageId = body.stageId;
    if (body.autoCreateDeal !== undefined) settings.autoCreateDeal = body.autoCreateDeal;
    if (body.channelIds !== undefined) settings.channelIds = body.channelIds;
    if (body.userMap !== undefined) settings.userMap = body.userMap;
    if (body.pipelineId !== undefined || body.stageId !== undefined) {
      const pipelines = await this.catalog.pipelines(row).catch((err) => Promise.reject(connectError(row.type, err)));
      const pipeline = pipelines.find((p) => p.id === settings.pipelineId);
      if (settings.pipelineId && !pipeline) throw ApiException.invalid('pipelineId', 'is not a pipeline of this CRM');
      if (settings.stageId && !pipeline?.stages.some((s) => s.id === settings.stageId)) {
        throw ApiException.invalid('stageId', 'is not a stage of the chosen pipeline');
      }
    }
    return this.dto(await this.crm.updateSettings(row.id, body.name?.trim() ?? row.name, settings));
  }

  async remove(auth: AuthUser, id: string): Promise<void> {
    if (!(await this.crm.softDelete(auth.workspaceId, id))) throw ApiException.notFound('CRM connection');
    this.catalog.forget(id);
  }

  async pipelines(auth: AuthUser, id: string): Promise<CrmPipelineDto[]> {
    const row = await this.require(auth, id);
    return (await this.catalog.pipelines(row).catch((err) => Promise.reject(connectError(row.type, err)))).map((p) => ({
      id: p.id,
      name: p.name,
      isMain: p.isMain,
      stages: p.stages.map((s) => ({ id: s.id, name: s.name, sort: s.sort, semantic: s.semantic })),
    }));
  }

  async users(auth: AuthUser, id: string): Promise<CrmUserDto[]> {
    const row = await this.require(auth, id);
    return (await this.catalog.users(row).catch((err) => Promise.reject(connectError(row.type, err)))).map((u) => ({
      id: u.id,
      name: u.name,
      ...(u.email ? { email: u.email } : {}),
    }));
  }

  async retry(auth: AuthUser, id: string): Promise<void> {
    await this.require(auth, id);
    if ((await this.crm.retryFailed(auth.workspaceId)) > 0) this.worker.nudge();
  }

  /**
   * Channels and users named in the settings must be the workspace's own: another workspace's id
   * is refused exactly like an id that exists nowhere.
   */
  private async checkReferences(auth: AuthUser, body: UpdateCrmBody): Promise<void> {
    if (body.channelIds?.length) {
      const own = new Set((await this.channels.listByWorkspace(auth.workspaceId)).map((c) => c.id));
      if (!body.channelIds.every((channelId) => own.has(channelId)))
        throw ApiException.invalid('channelIds', 'names a channel that does not exist');
    }
    const mapped = Object.entries(body.userMap ?? {});
    if (mapped.length) {
      const own = new Set((await this.workspaceUsers.listByWorkspace(auth.workspaceId)).map((u) => u.id));
      if (!mapped.every(([userId]) => own.has(userId)))
        throw ApiException.invalid('userMap', 'names a user that does not exist');
      if (!mapped.every(([, crmUserId]) => typeof crmUserId === 'string' && /^[0-9A-Za-z_-]{1,40}$/.test(crmUserId)))
        throw ApiException.invalid('userMap', 'CRM user ids must be 1–40 letters, digits, _ or -');
    }
  }

  /** New values for some of the connection's own settings (e.g. Bitrix24's application token, known only later). */
  /** A 400 naming the setting whose address leads to a private or local network (SSRF). */
  private async requirePublicAddresses(type: CrmAdapter['type'], settings: Record<string, string>): Promise<void> {
    const refused = await this.registry.refusedAddress(type, settings);
    if (refused)
      throw ApiException.invalid(
        `settings.${refused.field}`,
        `leads to a private or local address (${refused.reason}); the server's operator can allow it with ONEBOX_ALLOWED_PRIVATE_HOSTS`,
      );
  }

  private mergedSettings(row: CrmConnectionRow, change: Record<string, string>): Record<string, string> {
    const { settings: current } = this.registry.connect(row);
    const { webhookSecret: _secret, ...stored } = current;
    const adapter = this.registry.adapter(row.type);
    return validateSettings(adapter, { ...stored, ...change });
  }

  private async require(auth: AuthUser, id: string): Promise<CrmConnectionRow> {
    const row = await this.crm.findInWorkspace(auth.workspaceId, id);
    if (!row) throw ApiException.notFound('CRM connection');
    return row;
  }

  private async dto(row: CrmConnectionRow): Promise<CrmConnectionDto> {
    const webhookUrl = crmWebhookUrl(this.config.publicUrl, row, this.registry.webhookSecret(row));
    return mapCrmConnection(row, webhookUrl, await this.crm.syncStats(row.workspace_id));
  }
}

function firstOpenStage(
  pipeline: { stages: { id: string; sort: number; semantic: string }[] } | undefined,
): string | null {
  const open = (pipeline?.stages ?? []).filter((s) => s.semantic === 'open').sort((a, b) => a.sort - b.sort);
  return open[0]?.id ?? null;
}

/**
 * The settings of either way to connect (long-lived token / incoming webhook, or OAuth's client
 * id and secret): the OAuth variant's fields only count when the admin chose it.
 */
function validateSettings(adapter: CrmAdapter, given: Record<string, string>): Record<string, string> {
  const trimmed = Object.fromEntries(Object.entries(given).map(([k, v]) => [k, typeof v === 'string' ? v.trim() : v]));
  const oauth = adapter.oauth?.wants(trimmed) ? adapter.oauth.settingsFields : [];
  return validateDeclaredFields([...adapter.settingsFields, ...oauth], given, 'settings', {
    alsoKnown: adapter.oauth?.settingsFields.map((f) => f.key),
    unknownMessage: 'is not a setting of this CRM',
  });
}

function connectError(type: CrmAdapter['type'], err: unknown): ApiException {
  const name = CRM_NAMES[type];
  if (err instanceof CrmError && err.code === 'invalid_credentials') {
    return new ApiException(
      HttpStatus.BAD_REQUEST,
      'invalid_credentials',
      `${name} refused these settings: ${err.message}`,
      [{ field: 'settings', message: err.message }],
    );
  }
  if (err instanceof ApiException) return err;
  return new ApiException(
    HttpStatus.BAD_GATEWAY,
    'crm_unavailable',
    `Could not reach ${name}: ${err instanceof Error ? err.message : String(err)}`,
  );
}
