import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { isSealed, SecretBox } from '../common/secret-box';
import { APP_CONFIG, ConfigError, type AppConfig } from '../config/app-config';
import { SEALED_COLUMNS, type SealedColumn } from './sealed-columns';
import { SecretsRepository, type SealedValue } from './secrets.repository';

/**
 * At start-up: the secret key must open every sealed value (a wrong or half-rotated key stops the
 * server with a clear message instead of channels failing one by one), and webhook secrets stored
 * plain before sealing began are sealed.
 */
@Injectable()
export class SecretKeyCheck implements OnModuleInit {
  private readonly logger = new Logger('Secrets');

  constructor(
    private readonly secrets: SecretsRepository,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'secretKey' | 'previousSecretKey'>,
  ) {}

  async onModuleInit(): Promise<void> {
    const columns: { column: SealedColumn; box: SecretBox; values: SealedValue[] }[] = [];
    let unreadable = 0;
    let total = 0;
    for (const column of SEALED_COLUMNS) {
      const box = new SecretBox(this.config.secretKey, column.purpose, this.config.previousSecretKey);
      const values = await this.secrets.values(column);
      columns.push({ column, box, values });
      total += values.length;
      unreadable += values.filter(({ value }) => (isSealed(value) ? !box.canOpen(value) : !column.plainAllowed)).length;
    }
    if (unreadable > 0) {
      throw new ConfigError([
        `ONEBOX_SECRET_KEY does not open ${unreadable} of the ${total} secrets stored in the database ` +
          '(channel credentials, CRM settings, webhook secrets). Start with the key they were sealed with; ' +
          'after `npm run rotate-key`, with the new one (docs/SECURITY.md, "Key rotation").',
      ]);
    }
    let sealed = 0;
    for (const { column, box, values } of columns) {
      for (const { id, value } of values.filter((v) => !isSealed(v.value))) {
        if (await this.secrets.replace(column, id, value, box.seal(value))) sealed++;
      }
    }
    if (sealed) this.logger.log(`Sealed ${sealed} webhook secrets stored in clear by an earlier version`);
  }
}
