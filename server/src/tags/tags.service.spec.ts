import type { TagDto } from '@onebox/contracts';
import { strictMock } from '../../test/strict-mock';
import * as rows from '../../test/rows';
import type { AuthUser } from '../auth/auth-user';
import { ApiException } from '../common/api.exception';
import type { Db } from '../database/database';
import { TransactionService } from '../database/transaction.service';
import { TagsRepository, type TagRow } from './tags.repository';
import { TagsService } from './tags.service';

const WS = 'ws-1';
const TAG_ID = '7a1b2c3d-0000-4000-8000-000000000001';

const admin: AuthUser = { id: 'u-admin', workspaceId: WS, role: 'admin', name: 'Ada Admin', email: 'ada@example.com' };

const tagRow = (o: Partial<TagRow> = {}): TagRow => rows.tagRow({ id: TAG_ID, ...o });

const tagDto = (o: Partial<TagDto> = {}): TagDto => ({
  id: TAG_ID,
  name: 'VIP',
  color: '#4f46e5',
  createdAt: rows.ROW_AT.toISOString(),
  ...o,
});

/** Settles `promise` and answers what it was rejected with. */
async function rejectionOf(promise: Promise<unknown>): Promise<ApiException> {
  return promise.then(
    () => {
      throw new Error('Expected the call to be rejected');
    },
    (err: unknown) => err as ApiException,
  );
}

function expectApiError(err: ApiException, status: number, code: string, field?: string): void {
  expect(err).toBeInstanceOf(ApiException);
  expect(err.getStatus()).toBe(status);
  expect(err.code).toBe(code);
  if (field) expect(err.details).toEqual([{ field, message: expect.any(String) }]);
}

describe(TagsService.name, () => {
  const fakeTx = {} as Db;
  let tags: ReturnType<typeof strictMock<TagsRepository>>;
  let tx: ReturnType<typeof strictMock<TransactionService>>;
  let service: TagsService;
  /** Whether the code runs inside `tx.run` right now. */
  let inTransaction: boolean;

  beforeEach(() => {
    tags = strictMock(TagsRepository);
    tx = strictMock(TransactionService);
    inTransaction = false;
    tx.run.mockImplementation(async (work) => {
      inTransaction = true;
      try {
        return await work(fakeTx);
      } finally {
        inTransaction = false;
      }
    });
    service = new TagsService(tags as unknown as TagsRepository, tx as unknown as TransactionService);
  });

  describe('list', () => {
    it("lists the workspace's tags in the repository's order", async () => {
      tags.list.mockResolvedValueOnce([
        tagRow({ id: 'tag-b', name: 'Billing', color: '#22c55e' }),
        tagRow({ id: 'tag-v', name: 'VIP' }),
      ]);

      const result = await service.list(admin);

      expect(tags.list).toHaveBeenCalledTimes(1);
      expect(tags.list).toHaveBeenCalledWith(WS);
      expect(result).toEqual([tagDto({ id: 'tag-b', name: 'Billing', color: '#22c55e' }), tagDto({ id: 'tag-v' })]);
    });
  });

  describe('create', () => {
    it('inserts the trimmed name and the lowercased colour, outside a transaction', async () => {
      tags.insert.mockResolvedValueOnce(tagRow({ name: 'VIP', color: '#abcdef' }));

      const result = await service.create(admin, { name: '  VIP ', color: '#ABCdef' });

      expect(tags.insert).toHaveBeenCalledTimes(1);
      expect(tags.insert).toHaveBeenCalledWith(WS, 'VIP', '#abcdef');
      expect(tx.run).not.toHaveBeenCalled();
      expect(result).toEqual(tagDto({ color: '#abcdef' }));
    });

    it('answers 409 tag_exists naming `name` when the name is taken', async () => {
      tags.insert.mockResolvedValueOnce(null);

      const err = await rejectionOf(service.create(admin, { name: 'VIP', color: '#4f46e5' }));

      expectApiError(err, 409, 'tag_exists', 'name');
      expect(tags.insert).toHaveBeenCalledWith(WS, 'VIP', '#4f46e5');
    });
  });

  describe('update', () => {
    it('renames and recolours in one transaction, trimming the name and lowercasing the colour', async () => {
      const tag = tagRow();
      const inTransactionAt: boolean[] = [];
      tags.findInWorkspace.mockImplementationOnce(async () => {
        inTransactionAt.push(inTransaction);
        return tag;
      });
      tags.update.mockImplementationOnce(async () => {
        inTransactionAt.push(inTransaction);
        return tagRow({ name: 'Key account', color: '#ff0000' });
      });

      const result = await service.update(admin, TAG_ID, { name: ' Key account ', color: '#FF0000' });

      expect(tx.run).toHaveBeenCalledTimes(1);
      expect(tags.findInWorkspace).toHaveBeenCalledWith(WS, TAG_ID, fakeTx);
      expect(tags.update).toHaveBeenCalledTimes(1);
      expect(tags.update).toHaveBeenCalledWith(fakeTx, tag, { name: 'Key account', color: '#ff0000' });
      expect(inTransactionAt).toEqual([true, true]);
      expect(result).toEqual(tagDto({ name: 'Key account', color: '#ff0000' }));
    });

    it.each([
      ['keeps the colour on a rename', { name: 'Gold' }, { name: 'Gold', color: '#4f46e5' }],
      ['keeps the name on a recolour', { color: '#00AA00' }, { name: 'VIP', color: '#00aa00' }],
      ['keeps both when nothing is given', {}, { name: 'VIP', color: '#4f46e5' }],
    ])('%s', async (_, body, change) => {
      const tag = tagRow();
      tags.findInWorkspace.mockResolvedValueOnce(tag);
      tags.update.mockResolvedValueOnce(tagRow(change));

      const result = await service.update(admin, TAG_ID, body);

      expect(tags.update).toHaveBeenCalledWith(fakeTx, tag, change);
      expect(result).toEqual(tagDto(change));
    });

    it('answers 404 for a tag not in the workspace, without updating', async () => {
      tags.findInWorkspace.mockResolvedValueOnce(null);

      expectApiError(await rejectionOf(service.update(admin, TAG_ID, { name: 'Gold' })), 404, 'not_found');
      expect(tags.findInWorkspace).toHaveBeenCalledWith(WS, TAG_ID, fakeTx);
      expect(tags.update).not.toHaveBeenCalled();
    });

    it('answers 409 tag_exists naming `name` when the new name is taken', async () => {
      const tag = tagRow();
      tags.findInWorkspace.mockResolvedValueOnce(tag);
      tags.update.mockResolvedValueOnce(null);

      const err = await rejectionOf(service.update(admin, TAG_ID, { name: 'Billing' }));

      expectApiError(err, 409, 'tag_exists', 'name');
      expect(tags.update).toHaveBeenCalledWith(fakeTx, tag, { name: 'Billing', color: '#4f46e5' });
    });
  });

  describe('remove', () => {
    it('removes the tag in a transaction', async () => {
      const tag = tagRow();
      const inTransactionAt: boolean[] = [];
      tags.findInWorkspace.mockResolvedValueOnce(tag);
      tags.remove.mockImplementationOnce(async () => {
        inTransactionAt.push(inTransaction);
      });

      await expect(service.remove(admin, TAG_ID)).resolves.toBeUndefined();

      expect(tx.run).toHaveBeenCalledTimes(1);
      expect(tags.findInWorkspace).toHaveBeenCalledWith(WS, TAG_ID, fakeTx);
      expect(tags.remove).toHaveBeenCalledTimes(1);
      expect(tags.remove).toHaveBeenCalledWith(fakeTx, tag);
      expect(inTransactionAt).toEqual([true]);
    });

    it('answers 404 for a tag not in the workspace, without removing', async () => {
      tags.findInWorkspace.mockResolvedValueOnce(null);

      expectApiError(await rejectionOf(service.remove(admin, TAG_ID)), 404, 'not_found');
      expect(tags.findInWorkspace).toHaveBeenCalledWith(WS, TAG_ID, fakeTx);
      expect(tags.remove).not.toHaveBeenCalled();
    });
  });
});
