import { RateGate } from '../common/rate-gate';
import { CrmPacer } from './crm-pacer.service';

describe(CrmPacer.name, () => {
  afterEach(() => jest.useRealTimers());

  it('spaces one account’s calls a fifth wider than its published rate, keeping accounts apart', async () => {
    jest.useFakeTimers();
    const pacer = new CrmPacer(new RateGate());
    const went: string[] = [];
    const call = (id: string) => pacer.wait(id, { burst: 7, perSecond: 7 }).then(() => went.push(id));

    void call('amo-1');
    void call('amo-1');
    void call('amo-2');
    await jest.advanceTimersByTimeAsync(0);
    expect(went).toEqual(['amo-1', 'amo-2']);
    await jest.advanceTimersByTimeAsync(171); // 1200 / 7, rounded up: 172 ms
    expect(went).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(1);
    expect(went).toEqual(['amo-1', 'amo-2', 'amo-1']);
  });
});
