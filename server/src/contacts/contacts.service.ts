import { HttpStatus, Injectable } from '@nestjs/common';
import type { ContactDto } from '@onebox/contracts';
import type { AuthUser } from '../auth/auth-user';
import { ApiException } from '../common/api.exception';
import { TransactionService } from '../database/transaction.service';
import { mapContact, MergeContactBody, SearchContactsQuery } from './contacts.dto';
import { ContactsRepository, type ContactRow } from './contacts.repository';

/** Contacts: search, the same person suggested across channels, and merging them into one. */
@Injectable()
export class ContactsService {
  constructor(
    private readonly contacts: ContactsRepository,
    private readonly tx: TransactionService,
  ) {}

  async search(auth: AuthUser, query: SearchContactsQuery): Promise<ContactDto[]> {
    const rows = await this.contacts.search(auth.workspaceId, query.q.trim(), query.limit ?? 20);
    return Promise.all(rows.map((row) => this.withIdentities(row)));
  }

  async get(auth: AuthUser, id: string): Promise<ContactDto> {
    const row = await this.contacts.findInWorkspace(auth.workspaceId, id);
    if (!row) throw ApiException.notFound('Contact');
    return this.withIdentities(row);
  }

  /** Contacts sharing this one's phone or email: probably the same customer on another channel. */
  async suggestions(auth: AuthUser, id: string): Promise<ContactDto[]> {
    const row = await this.contacts.findInWorkspace(auth.workspaceId, id);
    if (!row) throw ApiException.notFound('Contact');
    return Promise.all((await this.contacts.findLikelyDuplicates(row)).map((other) => this.withIdentities(other)));
  }

  /** Folds `body.contactId` into `id`: its identities and conversations move over, then it is removed. */
  async merge(auth: AuthUser, id: string, body: MergeContactBody): Promise<ContactDto> {
    if (body.contactId === id) throw ApiException.invalid('contactId', 'cannot merge a contact into itself');
    const kept = await this.tx.run(async (tx) => {
      const pair = await this.contacts.lockPair(tx, auth.workspaceId, [id, body.contactId]);
      const keep = pair.find((c) => c.id === id);
      if (!keep) throw ApiException.notFound('Contact');
      if (!pair.some((c) => c.id === body.contactId))
        throw ApiException.invalid('contactId', 'is not a contact of this workspace');
      const shared = await this.contacts.sharedConversationChannels(tx, id, body.contactId);
      if (shared.length) {
        throw new ApiException(
          HttpStatus.CONFLICT,
          'merge_conflict',
          `Both contacts have a conversation on ${shared.join(', ')}`,
          [{ field: 'contactId', message: 'has a conversation on the same channel' }],
        );
      }
      await this.contacts.merge(tx, auth.workspaceId, id, body.contactId);
      return keep;
    });
    return this.get(auth, kept.id);
  }

  private async withIdentities(row: ContactRow): Promise<ContactDto> {
    return mapContact(row, await this.contacts.listIdentities(row.workspace_id, row.id));
  }
}
