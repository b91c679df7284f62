import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { ObservabilityRepository } from './observability.repository';

export type CheckResult = 'ok' | 'failed' | 'timeout';

export interface ReadinessReport {
  status: 'ok' | 'unavailable';
  /** `redis` only when REDIS_URL is set. */
  checks: { database: CheckResult; redis?: CheckResult };
}

/** `GET /ready`: the database answers `SELECT 1` and, with REDIS_URL, Redis answers PING — each within a short time. */
@Injectable()
export class ReadinessService {
  static readonly TIMEOUT_MS = 2000;
  private readonly logger = new Logger('Readiness');

  constructor(
    private readonly repository: ObservabilityRepository,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'redisUrl'>,
  ) {}

  async check(): Promise<ReadinessReport> {
    const timeout = ReadinessService.TIMEOUT_MS;
    const redisUrl = this.config.redisUrl;
    const [database, redis] = await Promise.all([
      this.probe('database', () => this.repository.pingDatabase(), timeout),
      redisUrl ? this.probe('redis', () => this.repository.pingRedis(redisUrl, timeout / 2), timeout) : undefined,
    ]);
    const checks = redis ? { database, redis } : { database };
    return { status: Object.values(checks).every((c) => c === 'ok') ? 'ok' : 'unavailable', checks };
  }

  /** The reason stays in the log: the answer is public and says only which check failed. */
  private async probe(name: string, work: () => Promise<void>, timeoutMs: number): Promise<CheckResult> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    try {
      const result = await Promise.race([work().then(() => 'ok' as const), expired]);
      if (result === 'timeout') this.logger.warn(`${name} did not answer within ${timeoutMs} ms`);
      return result;
    } catch (err) {
      this.logger.warn(`${name} check failed: ${(err as Error).message}`);
      return 'failed';
    } finally {
      clearTimeout(timer);
    }
  }
}
