import { bearerMatches } from './observability.controller';
import { MetricsService, webhookType } from './metrics.service';

describe(MetricsService.name, () => {
  it('counts stored and duplicate messages apart, and reads gauges from their sources at scrape time', async () => {
    const metrics = new MetricsService();
    metrics.readFrom({
      deliveryQueue: async () => [{ channel_type: 'max', n: 3 }],
      crmBacklog: async () => [{ crm_type: 'bitrix24', n: 7 }],
      sockets: () => ({ agent: 2, webchat: 5 }),
    });
    metrics.inboundStored('telegram', false);
    metrics.inboundStored('telegram', false);
    metrics.inboundStored('telegram', true);
    metrics.deliveryFailed('whatsapp', 'window_closed');
    metrics.webhookAnswered('/webhooks/whatsapp/ch-1', 200, 0.02);

    const text = await metrics.render();

    expect(text).toContain('onebox_inbound_messages_total{channel_type="telegram"} 2');
    expect(text).toContain('onebox_inbound_duplicates_total{channel_type="telegram"} 1');
    expect(text).toContain('onebox_delivery_failures_total{channel_type="whatsapp",code="window_closed"} 1');
    expect(text).toContain('onebox_webhook_duration_seconds_bucket{le="0.025",type="whatsapp",status="200"} 1');
    expect(text).toContain('onebox_delivery_queue_depth{channel_type="max"} 3');
    expect(text).toContain('onebox_delivery_queue_depth{channel_type="telegram"} 0');
    expect(text).toContain('onebox_crm_sync_backlog{crm_type="bitrix24"} 7');
    expect(text).toContain('onebox_socket_connections{namespace="/agent"} 2');
    expect(text).toContain('onebox_socket_connections{namespace="/webchat"} 5');
  });

  it('keeps two apps in one process apart', async () => {
    const [a, b] = [new MetricsService(), new MetricsService()];
    a.inboundStored('max', false);
    expect(await b.render()).not.toContain('onebox_inbound_messages_total{channel_type="max"} 1');
  });
});

describe(webhookType.name, () => {
  it('labels by the webhook type and folds unknown ones into other', () => {
    expect(webhookType('/webhooks/telegram/ch-1')).toBe('telegram');
    expect(webhookType('/webhooks/amocrm/crm-1/secret?x=1')).toBe('amocrm');
    expect(webhookType('/webhooks/bitrix24/crm-1')).toBe('bitrix24');
    expect(webhookType('/webhooks/anything-at-all/1')).toBe('other');
  });
});

describe(bearerMatches.name, () => {
  it('is open without a token, and asks for exactly the token when one is set', () => {
    expect(bearerMatches(null, undefined)).toBe(true);
    expect(bearerMatches('t0ken', 'Bearer t0ken')).toBe(true);
    expect(bearerMatches('t0ken', 'bearer t0ken')).toBe(true);
    expect(bearerMatches('t0ken', 'Bearer t0ke')).toBe(false);
    expect(bearerMatches('t0ken', 't0ken')).toBe(false);
    expect(bearerMatches('t0ken', undefined)).toBe(false);
  });
});
