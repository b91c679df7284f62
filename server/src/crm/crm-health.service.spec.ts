import { strictMock } from '../../test/strict-mock';
import * as rows from '../../test/rows';
import { RealtimeService } from '../realtime/realtime.service';
import { CrmHealth } from './crm-health.service';
import { CrmRepository } from './crm.repository';

describe(CrmHealth.name, () => {
  let crm: ReturnType<typeof strictMock<CrmRepository>>;
  let realtime: ReturnType<typeof strictMock<RealtimeService>>;
  let health: CrmHealth;
  const since = new Date('2024-11-21T10:05:00.000Z');

  beforeEach(() => {
    crm = strictMock(CrmRepository);
    realtime = strictMock(RealtimeService);
    health = new CrmHealth(crm as unknown as CrmRepository, realtime as unknown as RealtimeService);
  });

  it('marks the workspace’s CRM degraded on a failure that will be retried, and tells heads and admins once', async () => {
    const degraded = rows.crmConnectionRow({ status: 'degraded', status_message: 'HTTP 503', degraded_since: since });
    crm.recordOutage.mockResolvedValueOnce(degraded).mockResolvedValueOnce(null);
    realtime.toLeads.mockReturnValueOnce(undefined);

    await health.failing('ws-1', 'HTTP 503');
    await health.failing('ws-1', 'HTTP 503');

    expect(crm.recordOutage).toHaveBeenCalledWith('ws-1', 'HTTP 503');
    expect(realtime.toLeads).toHaveBeenCalledTimes(1);
    expect(realtime.toLeads).toHaveBeenCalledWith('ws-1', 'crm.status', {
      id: 'crm-1',
      type: 'amocrm',
      name: 'Our amoCRM',
      status: 'degraded',
      statusMessage: 'HTTP 503',
      degradedSince: '2024-11-21T10:05:00.000Z',
    });
  });

  it('tells of the recovery at the first successful call, and nothing on the ones after', async () => {
    crm.recordSync.mockResolvedValueOnce(rows.crmConnectionRow()).mockResolvedValueOnce(null);
    realtime.toLeads.mockReturnValueOnce(undefined);

    await health.synced('crm-1');
    await health.synced('crm-1');

    expect(crm.recordSync.mock.calls).toEqual([
      ['crm-1', null],
      ['crm-1', null],
    ]);
    expect(realtime.toLeads).toHaveBeenCalledWith('ws-1', 'crm.status', expect.objectContaining({ status: 'active' }));
    expect(realtime.toLeads).toHaveBeenCalledTimes(1);
  });

  it('records a given-up change as the connection’s error', async () => {
    crm.recordSync.mockResolvedValueOnce(rows.crmConnectionRow({ status: 'error', status_message: 'Token expired' }));
    realtime.toLeads.mockReturnValueOnce(undefined);

    await health.gaveUp('crm-1', 'Token expired');

    expect(crm.recordSync).toHaveBeenCalledWith('crm-1', 'Token expired');
    expect(realtime.toLeads).toHaveBeenCalledWith(
      'ws-1',
      'crm.status',
      expect.objectContaining({ status: 'error', statusMessage: 'Token expired', degradedSince: null }),
    );
  });
});
