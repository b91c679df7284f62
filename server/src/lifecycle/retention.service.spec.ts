import { Logger } from '@nestjs/common';
import { strictMock } from '../../test/strict-mock';
import { AttachmentsService } from '../attachments/attachments.service';
import type { Db } from '../database/database';
import { TransactionService } from '../database/transaction.service';
import { WorkspaceSettingsRepository } from '../workspace-settings/workspace-settings.repository';
import { RetentionRepository, type ExpiredBatch } from './retention.repository';
import { RetentionService } from './retention.service';

const WS = 'ws-1';
const NOW = new Date('2026-11-23T10:00:00.000Z');
const fakeTx = {} as Db;
const batch = (n: number, keys: string[] = [], last: Date | null = null): ExpiredBatch => ({
  messageIds: Array.from({ length: n }, (_, i) => `m-${i}`),
  attachmentIds: keys.map((k) => `a-${k}`),
  storageKeys: keys,
  last,
});

describe(RetentionService.name, () => {
  let retention: ReturnType<typeof strictMock<RetentionRepository>>;
  let settings: ReturnType<typeof strictMock<WorkspaceSettingsRepository>>;
  let attachments: ReturnType<typeof strictMock<AttachmentsService>>;
  let tx: ReturnType<typeof strictMock<TransactionService>>;
  let service: RetentionService;

  afterEach(() => jest.restoreAllMocks());

  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    retention = strictMock(RetentionRepository);
    settings = strictMock(WorkspaceSettingsRepository);
    attachments = strictMock(AttachmentsService);
    tx = strictMock(TransactionService);
    tx.run.mockImplementation((work) => work(fakeTx));
    service = new RetentionService(
      retention as unknown as RetentionRepository,
      settings as unknown as WorkspaceSettingsRepository,
      attachments as unknown as AttachmentsService,
      tx as unknown as TransactionService,
    );
  });

  const retentionDays = (days: unknown) =>
    settings.find.mockResolvedValue({ time_zone: 'UTC', settings: { messageRetentionDays: days } });

  it('stops the sweep when the workspace keeps messages forever', async () => {
    retentionDays(null);
    expect(await service.sweep(WS, NOW)).toEqual({ done: true });
    expect(settings.find).toHaveBeenCalledWith(WS);
  });

  it('deletes files, then their rows, batch by batch up to the cutoff, and comes back the next day', async () => {
    retentionDays(30);
    const cutoff = new Date('2026-10-24T10:00:00.000Z');
    const [first, second] = [new Date('2026-01-01T00:00:00Z'), new Date('2026-02-01T00:00:00Z')];
    retention.expired
      .mockResolvedValueOnce(batch(500, ['uploads/aa/1'], first))
      .mockResolvedValueOnce(batch(2, [], second))
      .mockResolvedValueOnce(batch(0));
    attachments.deleteFiles.mockResolvedValue(undefined);
    retention.deleteBatch.mockResolvedValueOnce(500).mockResolvedValueOnce(2);
    retention.clearPreviews.mockResolvedValueOnce(3).mockResolvedValueOnce(0);

    expect(await service.sweep(WS, NOW)).toEqual({ done: false, deferMs: 86_400_000 });

    // Each batch starts where the previous one ended, not at the deleted rows' index entries.
    expect(retention.expired.mock.calls).toEqual([
      [WS, null, cutoff, RetentionService.BATCH],
      [WS, first, cutoff, RetentionService.BATCH],
      [WS, second, cutoff, RetentionService.BATCH],
    ]);
    expect(attachments.deleteFiles.mock.calls).toEqual([[['uploads/aa/1']], [[]]]);
    expect(retention.deleteBatch.mock.calls).toEqual([
      [fakeTx, WS, batch(500, ['uploads/aa/1'], first)],
      [fakeTx, WS, batch(2, [], second)],
    ]);
    expect(attachments.deleteFiles.mock.invocationCallOrder[0]).toBeLessThan(
      retention.deleteBatch.mock.invocationCallOrder[0],
    );
    expect(retention.clearPreviews.mock.calls).toEqual([
      [WS, cutoff, RetentionService.BATCH],
      [WS, cutoff, RetentionService.BATCH],
    ]);
  });

  it('pauses a long sweep when its time is spent and comes back a moment later', async () => {
    retentionDays(7);
    retention.expired.mockResolvedValue(batch(500));
    attachments.deleteFiles.mockResolvedValue(undefined);
    retention.deleteBatch.mockResolvedValue(500);

    expect(await service.sweep(WS, NOW, -1)).toEqual({ done: false, deferMs: 1000 });
    expect(retention.deleteBatch).toHaveBeenCalledTimes(1);
  });
});
