import { OutboundGuard } from '../outbound/outbound-guard.service';
import { CrmRegistry } from './crm-registry.service';

const SECRET_KEY = 'k'.repeat(40);

describe(CrmRegistry.name, () => {
  const guard = new OutboundGuard({ allowedPrivateHosts: ['10.0.0.5'] });
  const registry = new CrmRegistry(
    { secretKey: SECRET_KEY, previousSecretKey: null, crmApiRoots: { amocrm: null, bitrix24: null } },
    guard,
  );
  const overridden = new CrmRegistry(
    {
      secretKey: SECRET_KEY,
      previousSecretKey: null,
      crmApiRoots: { amocrm: 'http://127.0.0.1:9001', bitrix24: null },
    },
    guard,
  );

  describe('context', () => {
    it('calls the address in the settings through the guarded agents', () => {
      expect(registry.context('amocrm')).toEqual({ timeoutMs: 15_000, agents: guard.agents });
    });

    it('calls the operator’s API root as it is (trusted configuration)', () => {
      expect(overridden.context('amocrm')).toEqual({ baseUrl: 'http://127.0.0.1:9001', timeoutMs: 15_000 });
      expect(overridden.context('bitrix24')).toEqual({ timeoutMs: 15_000, agents: guard.agents });
    });
  });

  describe('refusedAddress', () => {
    it.each([
      ['amocrm', { baseUrl: 'https://127.0.0.1/' }, 'baseUrl', '127.0.0.1 is a loopback address'],
      ['bitrix24', { webhookUrl: 'https://169.254.169.254/rest/1/abc/' }, 'webhookUrl', '169.254.169.254'],
      ['bitrix24', { webhookUrl: 'https://2130706433/rest/1/abc/' }, 'webhookUrl', '127.0.0.1 is a loopback'],
      ['bitrix24', { webhookUrl: 'https://[::ffff:192.168.0.1]/rest/1/abc/' }, 'webhookUrl', 'private'],
      ['bitrix24', { webhookUrl: 'https://localhost:8443/rest/1/abc/' }, 'webhookUrl', 'loopback'],
      ['bitrix24', { portal: '10.0.0.6', clientId: 'local.1', clientSecret: 's' }, 'portal', '10.0.0.6 is a private'],
    ] as const)('%s %j: refuses %s', async (type, settings, field, reason) => {
      await expect(registry.refusedAddress(type, settings)).resolves.toEqual({
        field,
        reason: expect.stringContaining(reason),
      });
    });

    it.each([
      ['amocrm', { baseUrl: 'https://8.8.8.8/' }],
      ['bitrix24', { webhookUrl: 'https://10.0.0.5/rest/1/abc/' }],
      ['bitrix24', { portal: '10.0.0.5:8443' }],
      // A name that does not resolve is the CRM check's to report, not a refusal.
      ['bitrix24', { webhookUrl: 'https://no-such-portal.invalid/rest/1/abc/' }],
      ['bitrix24', { applicationToken: 'only a token' }],
    ] as const)('%s %j: lets it through', async (type, settings) => {
      await expect(registry.refusedAddress(type, settings)).resolves.toBeNull();
    });

    it('checks nothing when calls go to the operator’s API root instead', async () => {
      await expect(overridden.refusedAddress('amocrm', { baseUrl: 'https://127.0.0.1/' })).resolves.toBeNull();
    });
  });
});
