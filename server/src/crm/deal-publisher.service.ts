import { Injectable } from '@nestjs/common';
import type { DealDto } from '@onebox/contracts';
import { mapConversation } from '../conversations/conversations.dto';
import { ConversationsRepository } from '../conversations/conversations.repository';
import { RealtimeService } from '../realtime/realtime.service';
import { CrmCatalog } from './crm-catalog.service';
import { CrmRegistry } from './crm-registry.service';
import { mapDeal } from './crm.dto';
import { CrmRepository } from './crm.repository';
import { DealsRepository, type DealRow } from './deals.repository';

/** Builds a deal as the inbox shows it, and tells the agents who see its conversation. */
@Injectable()
export class DealPublisher {
  constructor(
    private readonly deals: DealsRepository,
    private readonly crm: CrmRepository,
    private readonly registry: CrmRegistry,
    private readonly catalog: CrmCatalog,
    private readonly conversations: ConversationsRepository,
    private readonly realtime: RealtimeService,
  ) {}

  async dto(deal: DealRow): Promise<DealDto> {
    const connection = await this.crm.findById(deal.crm_connection_id);
    const history = await this.deals.history(deal.workspace_id, deal.id);
    if (!connection) return mapDeal(deal, { type: 'amocrm' }, history, null, null);
    const { adapter, settings } = this.registry.connect(connection);
    const url = deal.external_id ? adapter.dealUrl(settings, deal.external_id) : null;
    const users = deal.responsible_external_id ? await this.catalog.users(connection).catch(() => []) : [];
    const responsible = users.find((u) => u.id === deal.responsible_external_id)?.name ?? null;
    return mapDeal(deal, connection, history, url, responsible);
  }

  async changed(deal: DealRow): Promise<void> {
    const conversation = await this.conversations.findById(deal.conversation_id);
    if (!conversation) return;
    const dto = await this.dto(deal);
    this.realtime.toConversationAudience(conversation, 'deal.updated', {
      ...dto,
      conversationId: deal.conversation_id,
    });
    this.realtime.toConversationAudience(conversation, 'conversation.updated', mapConversation(conversation));
  }
}
