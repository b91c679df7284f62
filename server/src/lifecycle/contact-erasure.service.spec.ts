import { Logger } from '@nestjs/common';
import { strictMock } from '../../test/strict-mock';
import { CycleFactsRepository } from '../analytics/cycle-facts.repository';
import { AttachmentsService } from '../attachments/attachments.service';
import type { AuthUser } from '../auth/auth-user';
import type { Db } from '../database/database';
import { TransactionService } from '../database/transaction.service';
import { ContactErasureService } from './contact-erasure.service';
import { ErasureRepository } from './erasure.repository';

const fakeTx = {} as Db;
const admin: AuthUser = { id: 'u-1', workspaceId: 'ws-1', role: 'admin', name: 'Ada', email: 'ada@example.com' };

describe(ContactErasureService.name, () => {
  afterEach(() => jest.restoreAllMocks());

  let tx: ReturnType<typeof strictMock<TransactionService>>;
  let erasure: ReturnType<typeof strictMock<ErasureRepository>>;
  let facts: ReturnType<typeof strictMock<CycleFactsRepository>>;
  let attachments: ReturnType<typeof strictMock<AttachmentsService>>;
  let service: ContactErasureService;
  let audit: jest.SpyInstance;

  beforeEach(() => {
    audit = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    tx = strictMock(TransactionService);
    erasure = strictMock(ErasureRepository);
    facts = strictMock(CycleFactsRepository);
    attachments = strictMock(AttachmentsService);
    tx.runExclusive.mockImplementation((_name, work) => work(fakeTx));
    service = new ContactErasureService(
      tx as unknown as TransactionService,
      erasure as unknown as ErasureRepository,
      facts as unknown as CycleFactsRepository,
      attachments as unknown as AttachmentsService,
    );
  });

  it("erases under the analytics refresher's lock, subtracts the facts, then deletes the files", async () => {
    erasure.lockContact.mockResolvedValue(true);
    erasure.conversationIds.mockResolvedValue(['c-1', 'c-2']);
    facts.replace.mockResolvedValue(undefined);
    erasure.erase.mockResolvedValue({ conversations: 2, messages: 9, storageKeys: ['uploads/ab/f'] });
    attachments.deleteFiles.mockResolvedValue(undefined);

    await service.erase(admin, 'contact-1');

    expect(tx.runExclusive).toHaveBeenCalledWith('onebox:analytics', expect.any(Function));
    expect(erasure.lockContact).toHaveBeenCalledWith(fakeTx, 'ws-1', 'contact-1');
    expect(facts.replace).toHaveBeenCalledWith(
      fakeTx,
      [
        { workspaceId: 'ws-1', conversationId: 'c-1' },
        { workspaceId: 'ws-1', conversationId: 'c-2' },
      ],
      [],
    );
    expect(erasure.erase).toHaveBeenCalledWith(fakeTx, 'ws-1', 'contact-1', ['c-1', 'c-2']);
    expect(attachments.deleteFiles).toHaveBeenCalledWith(['uploads/ab/f']);
    expect(audit.mock.calls).toEqual([
      ['Contact contact-1 erased by user u-1 (workspace ws-1): 2 conversations, 9 messages, 1 files'],
    ]);
  });

  it('answers 404 for a contact the workspace does not have, touching nothing', async () => {
    erasure.lockContact.mockResolvedValue(false);

    await expect(service.erase(admin, 'elsewhere')).rejects.toMatchObject({
      status: 404,
      response: { code: 'not_found', message: 'Contact not found' },
    });
    expect(audit).not.toHaveBeenCalled();
  });
});
