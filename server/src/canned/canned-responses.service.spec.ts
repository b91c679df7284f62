import type { CannedResponseDto } from '@onebox/contracts';
import { strictMock } from '../../test/strict-mock';
import * as rows from '../../test/rows';
import type { AuthUser } from '../auth/auth-user';
import { ApiException } from '../common/api.exception';
import { CannedResponsesRepository, type CannedResponseRow } from './canned-responses.repository';
import { CannedResponsesService } from './canned-responses.service';

const WS = 'ws-1';
const CANNED_ID = 'c4a11ed0-0000-4000-8000-000000000001';
const UPDATED_AT = new Date('2024-11-22T12:00:00.000Z');

const manager: AuthUser = {
  id: 'u-manager',
  workspaceId: WS,
  role: 'manager',
  name: 'Mia Manager',
  email: 'mia@example.com',
};
const head: AuthUser = { id: 'u-head', workspaceId: WS, role: 'head', name: 'Hal Head', email: 'hal@example.com' };
const admin: AuthUser = { id: 'u-admin', workspaceId: WS, role: 'admin', name: 'Ada Admin', email: 'ada@example.com' };

/** The manager's personal "Greeting". */
const cannedRow = (o: Partial<CannedResponseRow> = {}): CannedResponseRow =>
  rows.cannedResponseRow({ id: CANNED_ID, owner_id: manager.id, ...o });

/** A workspace-wide one. */
const sharedRow = (o: Partial<CannedResponseRow> = {}): CannedResponseRow => cannedRow({ owner_id: null, ...o });

/** Settles `promise` and answers what it was rejected with. */
async function rejectionOf(promise: Promise<unknown>): Promise<ApiException> {
  return promise.then(
    () => {
      throw new Error('Expected the call to be rejected');
    },
    (err: unknown) => err as ApiException,
  );
}

function expectApiError(err: ApiException, status: number, code: string): void {
  expect(err).toBeInstanceOf(ApiException);
  expect(err.getStatus()).toBe(status);
  expect(err.code).toBe(code);
}

describe(CannedResponsesService.name, () => {
  let canned: ReturnType<typeof strictMock<CannedResponsesRepository>>;
  let service: CannedResponsesService;

  beforeEach(() => {
    canned = strictMock(CannedResponsesRepository);
    service = new CannedResponsesService(canned as unknown as CannedResponsesRepository);
  });

  describe('list', () => {
    it('lists what the caller may use, searching the trimmed text, and maps shared ones', async () => {
      canned.listUsable.mockResolvedValueOnce([
        cannedRow(),
        sharedRow({ id: 'cr-shared', shortcut: null, title: 'Prices' }),
      ]);

      const result = await service.list(manager, '  sofa ');

      expect(canned.listUsable).toHaveBeenCalledTimes(1);
      expect(canned.listUsable).toHaveBeenCalledWith(WS, manager.id, 'sofa');
      expect(result).toEqual<CannedResponseDto[]>([
        {
          id: CANNED_ID,
          title: 'Greeting',
          shortcut: 'hi',
          text: 'Hello! How can I help?',
          shared: false,
          ownerId: manager.id,
          createdAt: rows.ROW_AT.toISOString(),
          updatedAt: rows.ROW_AT.toISOString(),
        },
        {
          id: 'cr-shared',
          title: 'Prices',
          shortcut: null,
          text: 'Hello! How can I help?',
          shared: true,
          ownerId: null,
          createdAt: rows.ROW_AT.toISOString(),
          updatedAt: rows.ROW_AT.toISOString(),
        },
      ]);
    });

    it.each([
      ['no', undefined],
      ['an empty', ''],
      ['a blank', '   '],
    ])('searches nothing given %s search text', async (_, q) => {
      canned.listUsable.mockResolvedValueOnce([]);

      await expect(service.list(manager, q)).resolves.toEqual([]);

      expect(canned.listUsable).toHaveBeenCalledWith(WS, manager.id, null);
    });
  });

  describe('create', () => {
    it('inserts a personal response owned by the caller, trimming title and shortcut but not the text', async () => {
      canned.insert.mockResolvedValueOnce(cannedRow({ text: '  Hello!\n' }));

      const result = await service.create(manager, { title: ' Greeting ', shortcut: ' hi ', text: '  Hello!\n' });

      expect(canned.insert).toHaveBeenCalledTimes(1);
      expect(canned.insert).toHaveBeenCalledWith({
        workspace_id: WS,
        owner_id: manager.id,
        title: 'Greeting',
        shortcut: 'hi',
        text: '  Hello!\n',
      });
      expect(result).toMatchObject({ id: CANNED_ID, shared: false, ownerId: manager.id, text: '  Hello!\n' });
    });

    it.each([
      ['left out', undefined],
      ['null', null],
      ['blank', '   '],
    ])('stores no shortcut when it is %s', async (_, shortcut) => {
      canned.insert.mockResolvedValueOnce(cannedRow({ shortcut: null }));

      await service.create(manager, { title: 'Greeting', shortcut, text: 'Hello' });

      expect(canned.insert).toHaveBeenCalledWith(expect.objectContaining({ shortcut: null }));
    });

    it('lets a manager say explicitly that it is not shared', async () => {
      canned.insert.mockResolvedValueOnce(cannedRow());

      await service.create(manager, { title: 'Greeting', text: 'Hello', shared: false });

      expect(canned.insert).toHaveBeenCalledWith(expect.objectContaining({ owner_id: manager.id }));
    });

    it.each([
      ['head', head],
      ['admin', admin],
    ])('lets a %s share one with the workspace: no owner', async (_, auth) => {
      canned.insert.mockResolvedValueOnce(sharedRow());

      const result = await service.create(auth, {
        title: 'Prices',
        shortcut: 'prices',
        text: 'See our list',
        shared: true,
      });

      expect(canned.insert).toHaveBeenCalledWith({
        workspace_id: WS,
        owner_id: null,
        title: 'Prices',
        shortcut: 'prices',
        text: 'See our list',
      });
      expect(result).toMatchObject({ shared: true, ownerId: null });
    });

    it('answers 403 when a manager shares one, inserting nothing', async () => {
      const err = await rejectionOf(service.create(manager, { title: 'Prices', text: 'See our list', shared: true }));

      expectApiError(err, 403, 'forbidden');
      expect(canned.insert).not.toHaveBeenCalled();
    });
  });

  describe('update', () => {
    it("changes the caller's own personal response, keeping the owner", async () => {
      canned.findUsable.mockResolvedValueOnce(cannedRow());
      canned.update.mockResolvedValueOnce(
        cannedRow({ title: 'Hello', shortcut: 'hello', text: 'Hi there', updated_at: UPDATED_AT }),
      );

      const result = await service.update(manager, CANNED_ID, {
        title: ' Hello ',
        shortcut: ' hello ',
        text: 'Hi there',
      });

      expect(canned.findUsable).toHaveBeenCalledTimes(1);
      expect(canned.findUsable).toHaveBeenCalledWith(WS, manager.id, CANNED_ID);
      expect(canned.update).toHaveBeenCalledTimes(1);
      expect(canned.update).toHaveBeenCalledWith(CANNED_ID, {
        owner_id: manager.id,
        title: 'Hello',
        shortcut: 'hello',
        text: 'Hi there',
      });
      expect(result).toMatchObject({
        title: 'Hello',
        shared: false,
        ownerId: manager.id,
        updatedAt: UPDATED_AT.toISOString(),
      });
    });

    it('keeps every field left out', async () => {
      canned.findUsable.mockResolvedValueOnce(cannedRow());
      canned.update.mockResolvedValueOnce(cannedRow());

      await service.update(manager, CANNED_ID, {});

      expect(canned.update).toHaveBeenCalledWith(CANNED_ID, {
        owner_id: manager.id,
        title: 'Greeting',
        shortcut: 'hi',
        text: 'Hello! How can I help?',
      });
    });

    it.each([
      ['null', null],
      ['blank', '  '],
    ])('clears the shortcut when it is %s', async (_, shortcut) => {
      canned.findUsable.mockResolvedValueOnce(cannedRow());
      canned.update.mockResolvedValueOnce(cannedRow({ shortcut: null }));

      await service.update(manager, CANNED_ID, { shortcut });

      expect(canned.update).toHaveBeenCalledWith(
        CANNED_ID,
        expect.objectContaining({ shortcut: null, title: 'Greeting' }),
      );
    });

    it('lets a manager send `shared: false` unchanged on a personal one', async () => {
      canned.findUsable.mockResolvedValueOnce(cannedRow());
      canned.update.mockResolvedValueOnce(cannedRow({ title: 'Hello' }));

      await service.update(manager, CANNED_ID, { title: 'Hello', shared: false });

      expect(canned.update).toHaveBeenCalledWith(
        CANNED_ID,
        expect.objectContaining({ owner_id: manager.id, title: 'Hello' }),
      );
    });

    it.each([
      ['head', head],
      ['admin', admin],
    ])('lets a %s edit a shared one, which stays shared', async (_, auth) => {
      canned.findUsable.mockResolvedValueOnce(sharedRow());
      canned.update.mockResolvedValueOnce(sharedRow({ text: 'New text' }));

      const result = await service.update(auth, CANNED_ID, { text: 'New text' });

      expect(canned.findUsable).toHaveBeenCalledWith(WS, auth.id, CANNED_ID);
      expect(canned.update).toHaveBeenCalledWith(CANNED_ID, {
        owner_id: null,
        title: 'Greeting',
        shortcut: 'hi',
        text: 'New text',
      });
      expect(result).toMatchObject({ shared: true, ownerId: null });
    });

    it('lets a head share their personal one: the owner is dropped', async () => {
      canned.findUsable.mockResolvedValueOnce(cannedRow({ owner_id: head.id }));
      canned.update.mockResolvedValueOnce(sharedRow());

      await service.update(head, CANNED_ID, { shared: true });

      expect(canned.update).toHaveBeenCalledWith(CANNED_ID, {
        owner_id: null,
        title: 'Greeting',
        shortcut: 'hi',
        text: 'Hello! How can I help?',
      });
    });

    it('makes a shared one personal to the admin who unshares it', async () => {
      canned.findUsable.mockResolvedValueOnce(sharedRow());
      canned.update.mockResolvedValueOnce(cannedRow({ owner_id: admin.id }));

      const result = await service.update(admin, CANNED_ID, { shared: false });

      expect(canned.update).toHaveBeenCalledWith(CANNED_ID, expect.objectContaining({ owner_id: admin.id }));
      expect(result).toMatchObject({ shared: false, ownerId: admin.id });
    });

    it('answers 403 when a manager shares their personal one, updating nothing', async () => {
      canned.findUsable.mockResolvedValueOnce(cannedRow());

      expectApiError(await rejectionOf(service.update(manager, CANNED_ID, { shared: true })), 403, 'forbidden');
      expect(canned.update).not.toHaveBeenCalled();
    });

    it("answers 404 for another user's personal one (the repository does not find it), updating nothing", async () => {
      canned.findUsable.mockResolvedValueOnce(null);

      expectApiError(await rejectionOf(service.update(head, CANNED_ID, { title: 'Mine now' })), 404, 'not_found');
      expect(canned.findUsable).toHaveBeenCalledWith(WS, head.id, CANNED_ID);
      expect(canned.update).not.toHaveBeenCalled();
    });

    it.each([
      ['an edit', { title: 'Prices' }],
      ['unsharing', { shared: false }],
    ])('answers 404, not 403, to a manager attempting %s of a shared one', async (_, body) => {
      canned.findUsable.mockResolvedValueOnce(sharedRow());

      expectApiError(await rejectionOf(service.update(manager, CANNED_ID, body)), 404, 'not_found');
      expect(canned.findUsable).toHaveBeenCalledWith(WS, manager.id, CANNED_ID);
      expect(canned.update).not.toHaveBeenCalled();
    });
  });

  describe('remove', () => {
    it("removes the caller's own personal response", async () => {
      canned.findUsable.mockResolvedValueOnce(cannedRow());
      canned.remove.mockResolvedValueOnce(undefined);

      await expect(service.remove(manager, CANNED_ID)).resolves.toBeUndefined();

      expect(canned.findUsable).toHaveBeenCalledWith(WS, manager.id, CANNED_ID);
      expect(canned.remove).toHaveBeenCalledTimes(1);
      expect(canned.remove).toHaveBeenCalledWith(CANNED_ID);
    });

    it.each([
      ['head', head],
      ['admin', admin],
    ])('lets a %s remove a shared one', async (_, auth) => {
      canned.findUsable.mockResolvedValueOnce(sharedRow());
      canned.remove.mockResolvedValueOnce(undefined);

      await service.remove(auth, CANNED_ID);

      expect(canned.findUsable).toHaveBeenCalledWith(WS, auth.id, CANNED_ID);
      expect(canned.remove).toHaveBeenCalledWith(CANNED_ID);
    });

    it("answers 404 for another user's personal one, removing nothing", async () => {
      canned.findUsable.mockResolvedValueOnce(null);

      expectApiError(await rejectionOf(service.remove(manager, CANNED_ID)), 404, 'not_found');
      expect(canned.remove).not.toHaveBeenCalled();
    });

    it('answers 404 when a manager removes a shared one, removing nothing', async () => {
      canned.findUsable.mockResolvedValueOnce(sharedRow());

      expectApiError(await rejectionOf(service.remove(manager, CANNED_ID)), 404, 'not_found');
      expect(canned.remove).not.toHaveBeenCalled();
    });
  });
});
