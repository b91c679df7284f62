import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { PasswordHasher } from '../auth/password-hasher';
import { ChannelsRepository } from '../channels/channels.repository';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { TransactionService } from '../database/transaction.service';
import { MessengerRegistry } from '../messengers/messenger-registry.service';
import { UsersRepository } from '../users/users.repository';
import { WorkspacesRepository } from './workspaces.repository';

/**
 * On an empty database: the first workspace and its admin (from ONEBOX_ADMIN_EMAIL/PASSWORD, or a
 * generated password printed once), and with demo defaults a website chat channel for /demo.
 */
@Injectable()
export class BootstrapService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Bootstrap');

  constructor(
    private readonly tx: TransactionService,
    private readonly workspaces: WorkspacesRepository,
    private readonly users: UsersRepository,
    private readonly channels: ChannelsRepository,
    private readonly hasher: PasswordHasher,
    private readonly messengers: MessengerRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const email = this.config.adminEmail ?? 'admin@onebox.local';
    const password = this.config.adminPassword ?? randomBytes(9).toString('base64url');
    const hash = await this.hasher.hash(password);
    const created = await this.tx.runExclusive('bootstrap', async (tx) => {
      if ((await this.users.count(tx)) > 0) return false;
      const workspace = await this.workspaces.insert({ name: 'Onebox', time_zone: 'Europe/Moscow', locale: 'ru' }, tx);
      await this.users.insert(
        { workspace_id: workspace.id, email, name: 'Admin', role: 'admin', password_hash: hash },
        tx,
      );
      if (this.config.seedDemo) {
        await this.channels.insert(
          {
            workspace_id: workspace.id,
            type: 'webchat',
            name: 'Website',
            credentials_enc: null,
            webhook_secret: this.messengers.newWebhookSecret().sealed,
            widget_key: randomBytes(18).toString('base64url'),
          },
          tx,
        );
      }
      return true;
    });
    if (!created) return;
    if (this.config.adminPassword) this.logger.log(`Created the first admin: ${email}`);
    else
      this.logger.warn(
        `Created the first admin: ${email} with password ${password} (shown once; change it by creating your own admin)`,
      );
  }
}
