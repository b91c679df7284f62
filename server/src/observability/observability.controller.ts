import { Controller, Get, Headers, Inject, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { Public } from '../auth/auth.decorators';
import { ApiException } from '../common/api.exception';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { MetricsService } from './metrics.service';
import { ReadinessService, type ReadinessReport } from './readiness.service';

/** Probes and scrapes: no login. `/metrics` asks for `Bearer METRICS_TOKEN` when that is set. */
@ApiExcludeController()
@Public()
@Controller()
export class ObservabilityController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly readiness: ReadinessService,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'metricsToken'>,
  ) {}

  @Get('metrics')
  async scrape(@Headers('authorization') authorization: string | undefined, @Res() res: Response): Promise<void> {
    if (!bearerMatches(this.config.metricsToken, authorization))
      throw new ApiException(401, 'unauthorized', 'The metrics token is missing or wrong');
    res.setHeader('Content-Type', this.metrics.contentType).send(await this.metrics.render());
  }

  @Get('ready')
  async ready(@Res({ passthrough: true }) res: Response): Promise<ReadinessReport> {
    const report = await this.readiness.check();
    res.status(report.status === 'ok' ? 200 : 503);
    return report;
  }
}

/** True when no token is required, or the header carries it (compared in constant time). */
export function bearerMatches(expected: string | null, header: string | undefined): boolean {
  if (expected === null) return true;
  const given = /^Bearer\s+(.+)$/i.exec(header ?? '')?.[1] ?? '';
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
