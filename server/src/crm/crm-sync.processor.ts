import { Injectable } from '@nestjs/common';
import { CrmError, type CrmDeal } from '@onebox/crm';
import { RateGate } from '../common/rate-gate';
import { ContactsRepository } from '../contacts/contacts.repository';
import { ConversationsRepository, type ConversationListRow } from '../conversations/conversations.repository';
import { MessagesRepository } from '../conversations/messages.repository';
import { JobError, type JobProcessor } from '../jobs/job-processor';
import type { JobRow } from '../jobs/jobs.repository';
import { CrmCatalog } from './crm-catalog.service';
import { type ConnectedCrm } from './crm-registry.service';
import { CrmSessions } from './crm-sessions.service';
import { CRM_QUEUE, type CrmJob } from './crm.constants';
import { CrmRepository, type CrmConnectionRow } from './crm.repository';
import { DealPublisher } from './deal-publisher.service';
import { DealsRepository, type DealRow } from './deals.repository';

const TRANSCRIPT_LIMIT = 20_000;

/**
 * Keeps deals in step with the CRM, one durable job at a time: create the contact and the deal
 * when a cycle starts (once per cycle), link or update deals from the inbox, read a deal back
 * when the CRM says it changed, and attach the transcript when a cycle is resolved. Calls to a
 * CRM are spaced to its documented rate; its errors decide retry (backoff, Retry-After) or fail.
 */
@Injectable()
export class CrmSyncProcessor implements JobProcessor {
  readonly queue = CRM_QUEUE;

  constructor(
    private readonly crm: CrmRepository,
    private readonly deals: DealsRepository,
    private readonly sessions: CrmSessions,
    private readonly catalog: CrmCatalog,
    private readonly conversations: ConversationsRepository,
    private readonly contacts: ContactsRepository,
    private readonly messages: MessagesRepository,
    private readonly publisher: DealPublisher,
    private readonly gate: RateGate,
  ) {}

  async process(job: JobRow): Promise<void> {
    const payload = job.payload as unknown as CrmJob;
    try {
      switch (payload.action) {
        case 'cycle-started':
          return await this.cycleStarted(job.workspace_id, payload.conversationId, payload.cycle);
        case 'create-deal':
          return await this.createDeal(payload.dealId);
        case 'link-deal':
          return await this.refreshDeal(payload.dealId);
        case 'update-deal':
          return await this.updateDeal(payload);
        case 'sync-deal':
          return await this.syncDeal(payload.connectionId, payload.externalId);
        case 'transcript':
          return await this.transcript(job.workspace_id, payload.conversationId, payload.cycle);
        case 'assigned':
          return await this.assigned(job.workspace_id, payload.conversationId, payload.cycle, payload.assigneeId);
      }
    } catch (err) {
      if (err instanceof CrmError) {
        throw new JobError(err.message, err.retryable, err.retryAfterMs, err.code);
      }
      throw err;
    }
  }

  async onGiveUp(job: JobRow, error: JobError): Promise<void> {
    const payload = job.payload as unknown as CrmJob;
    let dealId = 'dealId' in payload ? payload.dealId : null;
    if (payload.action === 'cycle-started')
      dealId = (await this.deals.findAutoForCycle(payload.conversationId, payload.cycle))?.id ?? null;
    if (dealId) {
      await this.deals.markFailed(dealId, error.message);
      const deal = await this.deals.findById(dealId);
      if (deal) await this.publisher.changed(deal);
    }
    if (job.workspace_id) {
      const connection = await this.crm.findActive(job.workspace_id);
      if (connection) await this.crm.recordSync(connection.id, error.message);
    }
  }

  /** A new conversation or a new cycle: one automatic deal for it, when the admin wants that. */
  private async cycleStarted(workspaceId: string | null, conversationId: string, cycle: number): Promise<void> {
    if (!workspaceId) return;
    const connection = await this.crm.findActive(workspaceId);
    if (!connection || connection.settings.autoCreateDeal === false) return;
    const conversation = await this.conversations.findById(conversationId);
    if (!conversation) return;
    const channels = connection.settings.channelIds;
    if (channels && !channels.includes(conversation.channel_id)) return;
    const deal =
      (await this.deals.insertPending({
        workspace_id: workspaceId,
        crm_connection_id: connection.id,
        conversation_id: conversationId,
        cycle,
        origin: 'auto',
        title: dealTitle(conversation),
      })) ?? (await this.deals.findAutoForCycle(conversationId, cycle));
    if (!deal || deal.external_id) return;
    await this.publisher.changed(deal);
    await this.createInCrm(connection, deal, conversation);
  }

  private async createDeal(dealId: string): Promise<void> {
    const deal = await this.deals.findById(dealId);
    if (!deal || deal.external_id) return;
    const connection = await this.crm.findById(deal.crm_connection_id);
    const conversation = await this.conversations.findById(deal.conversation_id);
    if (!connection || !conversation) return;
    await this.createInCrm(connection, deal, conversation);
  }

  /** The contact (found by phone/email or created, remembered per connection), then the deal. */
  private async createInCrm(
    connection: CrmConnectionRow,
    deal: DealRow,
    conversation: ConversationListRow,
  ): Promise<void> {
    const crm = await this.sessions.ready(connection);
    const contact = await this.contacts.findInWorkspace(conversation.workspace_id, conversation.contact_id);
    if (!contact) throw new JobError('The conversation’s contact no longer exists', false);
    const responsible = conversation.assignee_id ? connection.settings.userMap?.[conversation.assignee_id] : undefined;
    let contactId = await this.crm.findContactLink(connection.id, contact.id);
    if (!contactId) {
      await this.pace(connection, crm);
      const found = await crm.adapter.findOrCreateContact(
        crm.settings,
        {
          name: contact.name,
          phone: contact.phone ?? undefined,
          email: contact.email ?? undefined,
          responsibleUserId: responsible,
        },
        crm.ctx,
      );
      contactId = found.id;
      await this.crm.linkContact(conversation.workspace_id, connection.id, contact.id, contactId);
    }
    await this.pace(connection, crm);
    const created = await crm.adapter.createDeal(
      crm.settings,
      {
        title: deal.title,
        contactId,
        pipelineId: connection.settings.pipelineId ?? undefined,
        stageId: connection.settings.stageId ?? undefined,
        responsibleUserId: responsible,
        source: conversation.channel_type,
      },
      crm.ctx,
    );
    await this.deals.setExternalId(deal.id, created.id);
    await this.readBack(connection, crm, deal.id, created.id);
  }

  /** A deal linked by id, or one whose state must be read again. */
  private async refreshDeal(dealId: string): Promise<void> {
    const deal = await this.deals.findById(dealId);
    const connection = deal && (await this.crm.findById(deal.crm_connection_id));
    if (!deal?.external_id || !connection) return;
    await this.readBack(connection, await this.sessions.ready(connection), deal.id, deal.external_id);
  }

  /** A stage or amount change made in Onebox, written to the CRM, then read back. */
  private async updateDeal(change: Extract<CrmJob, { action: 'update-deal' }>): Promise<void> {
    const deal = await this.deals.findById(change.dealId);
    const connection = deal && (await this.crm.findById(deal.crm_connection_id));
    if (!deal || !connection) return;
    if (!deal.external_id) throw waitForCreation(deal);
    const crm = await this.sessions.ready(connection);
    await this.pace(connection, crm);
    await crm.adapter.updateDeal(
      crm.settings,
      deal.external_id,
      {
        stageId: change.stageId,
        amount:
          change.amount !== undefined
            ? {
                value: change.amount,
                currency: change.currency ?? deal.currency ?? connection.settings.currency ?? 'RUB',
              }
            : undefined,
      },
      crm.ctx,
    );
    await this.readBack(connection, crm, deal.id, deal.external_id);
  }

  /** The CRM said the deal changed: read it and store its state (never written back from here). */
  private async syncDeal(connectionId: string, externalId: string): Promise<void> {
    const connection = await this.crm.findById(connectionId);
    if (!connection) return;
    const local = await this.deals.findByExternalId(connectionId, externalId);
    if (local.length === 0) return;
    const crm = await this.sessions.ready(connection);
    await this.pace(connection, crm);
    const state = await crm.adapter.getDeal(crm.settings, externalId, crm.ctx);
    for (const deal of local) await this.store(connection, deal.id, state);
  }

  /** The conversation changed hands: the cycle's deal follows, when the manager is mapped to a CRM user. */
  private async assigned(
    workspaceId: string | null,
    conversationId: string,
    cycle: number,
    assigneeId: string | null,
  ): Promise<void> {
    if (!workspaceId || !assigneeId) return;
    const deal = await this.deals.findForCycle(workspaceId, conversationId, cycle);
    if (!deal) return;
    const connection = await this.crm.findById(deal.crm_connection_id);
    const responsible = connection?.settings.userMap?.[assigneeId];
    if (!connection || !responsible || deal.responsible_external_id === responsible) return;
    if (!deal.external_id) throw waitForCreation(deal);
    const crm = await this.sessions.ready(connection);
    await this.pace(connection, crm);
    await crm.adapter.updateDeal(crm.settings, deal.external_id, { responsibleUserId: responsible }, crm.ctx);
    await this.readBack(connection, crm, deal.id, deal.external_id);
  }

  /** On resolution: the cycle's messages as one note on its deal, once. */
  private async transcript(workspaceId: string | null, conversationId: string, cycle: number): Promise<void> {
    if (!workspaceId) return;
    const deal = await this.deals.findForCycle(workspaceId, conversationId, cycle);
    if (!deal || deal.transcript_sent_at) return;
    if (!deal.external_id) throw waitForCreation(deal);
    const connection = await this.crm.findById(deal.crm_connection_id);
    if (!connection) return;
    const lines = (await this.messages.listCycle(workspaceId, conversationId, cycle)).map(
      (m) =>
        `[${m.created_at.toISOString().slice(0, 16).replace('T', ' ')}] ${m.author_name}: ${m.text || m.attachments.map((a) => a.name).join(', ')}`,
    );
    if (lines.length === 0) return;
    const text = `Onebox transcript (cycle ${cycle})\n${lines.join('\n')}`.slice(0, TRANSCRIPT_LIMIT);
    const crm = await this.sessions.ready(connection);
    await this.pace(connection, crm);
    await crm.adapter.addNote(crm.settings, deal.external_id as string, text, crm.ctx);
    await this.deals.markTranscriptSent(deal.id);
  }

  private async readBack(
    connection: CrmConnectionRow,
    crm: ConnectedCrm,
    dealId: string,
    externalId: string,
  ): Promise<void> {
    await this.pace(connection, crm);
    await this.store(connection, dealId, await crm.adapter.getDeal(crm.settings, externalId, crm.ctx));
  }

  private async store(connection: CrmConnectionRow, dealId: string, state: CrmDeal): Promise<void> {
    const updated = await this.deals.applyState(
      dealId,
      {
        pipelineId: state.pipelineId,
        stageId: state.stageId,
        stageName: await this.catalog.stageName(connection, state.stageId),
        semantic: state.semantic,
        amount: state.amount,
        currency: state.currency,
        responsibleExternalId: state.responsibleUserId,
        closedAt: state.closedAt,
      },
      state.updatedAt ?? new Date(),
    );
    await this.crm.recordSync(connection.id, null);
    if (updated) await this.publisher.changed(updated);
  }

  /** Spaces calls to one CRM account to its documented rate, across every server process. */
  private pace(connection: CrmConnectionRow, crm: ConnectedCrm): Promise<void> {
    return this.gate.wait(`crm:${connection.id}`, Math.ceil(1000 / crm.adapter.rateLimit.perSecond));
  }
}

/** Work on a deal not yet in the CRM waits for its creation, unless the creation was given up. */
function waitForCreation(deal: DealRow): JobError {
  if (deal.sync_state === 'failed')
    return new JobError(`The deal was never created in the CRM: ${deal.sync_error ?? 'failed'}`, false);
  return JobError.defer('The deal is still being created in the CRM', 2000);
}

function dealTitle(conversation: ConversationListRow): string {
  return `${conversation.contact_name} — ${conversation.channel_name}`.slice(0, 200);
}
