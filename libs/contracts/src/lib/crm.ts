/** A CRM connection as admins see it; secrets (tokens, webhook URLs with codes) never come back. */
export interface CrmConnectionDto {
  id: string;
  type: 'amocrm' | 'bitrix24';
  name: string;
  /**
   * `authorizing`: connected with OAuth, waiting for the admin to grant access in the CRM;
   * `degraded`: the CRM is not answering, changes wait and are retried (`statusMessage` says why);
   * `error`: sync stopped until an admin acts (expired access, given-up changes).
   */
  status: 'active' | 'error' | 'authorizing' | 'degraded';
  statusMessage: string | null;
  /** When the CRM stopped answering; null unless `degraded`. */
  degradedSince: string | null;
  /** Set right after an OAuth connect: send the admin here to grant Onebox access. */
  authorizeUrl?: string;
  accountName: string;
  /** The URL to register in the CRM for deal webhooks/events (admins only; empty for others). */
  webhookUrl: string;
  pipelineId: string | null;
  stageId: string | null;
  autoCreateDeal: boolean;
  /** Channels whose new conversations get a deal; null = all. */
  channelIds: string[] | null;
  /** Onebox user id → CRM user id. */
  userMap: Record<string, string>;
  sync: { pending: number; failed: number; lastError: string | null; lastSyncedAt: string | null };
  createdAt: string;
}

/** A CRM connection's status changed (socket `crm.status`); admins read the rest from `GET /api/crm`. */
export type CrmStatusEvent = Pick<
  CrmConnectionDto,
  'id' | 'type' | 'name' | 'status' | 'statusMessage' | 'degradedSince'
>;

export interface CreateCrmRequest {
  type: 'amocrm' | 'bitrix24';
  name: string;
  /** amocrm: {baseUrl, accessToken}; bitrix24: {webhookUrl, applicationToken?}. */
  settings: Record<string, string>;
  pipelineId?: string;
  autoCreateDeal?: boolean;
}

export interface UpdateCrmRequest {
  name?: string;
  pipelineId?: string | null;
  stageId?: string | null;
  autoCreateDeal?: boolean;
  channelIds?: string[] | null;
  userMap?: Record<string, string>;
  /** New values for some of the connection's settings, e.g. Bitrix24's `applicationToken`. */
  settings?: Record<string, string>;
}

export interface CrmPipelineDto {
  id: string;
  name: string;
  isMain: boolean;
  stages: { id: string; name: string; sort: number; semantic: 'open' | 'won' | 'lost' }[];
}

export interface CrmUserDto {
  id: string;
  name: string;
  email?: string;
}

export interface DealDto {
  id: string;
  crmId: string;
  crmType: 'amocrm' | 'bitrix24';
  /** The deal's id in the CRM; null while its creation is still queued. */
  externalId: string | null;
  title: string;
  pipelineId: string | null;
  stageId: string | null;
  stageName: string | null;
  semantic: 'open' | 'won' | 'lost';
  /** Exact decimal as a string. */
  amount: string | null;
  currency: string | null;
  responsible: { crmUserId: string; name: string | null } | null;
  /** "Open in CRM" link; null until the deal exists there. */
  url: string | null;
  closedAt: string | null;
  cycle: number;
  syncState: 'pending' | 'synced' | 'failed';
  syncError: string | null;
  history: {
    stageId: string;
    stageName: string | null;
    semantic: 'open' | 'won' | 'lost';
    amount: string | null;
    at: string;
  }[];
  createdAt: string;
}

export interface CreateDealRequest {
  /** Link an existing CRM deal by its id instead of creating one. */
  externalId?: string;
  title?: string;
}

export interface UpdateDealRequest {
  stageId?: string;
  amount?: string;
  currency?: string;
}
