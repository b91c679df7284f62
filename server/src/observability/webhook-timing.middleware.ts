import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { MetricsService } from './metrics.service';

/** Times every webhook from routing to the last byte of the answer, labelled by type and status. */
@Injectable()
export class WebhookTimingMiddleware implements NestMiddleware {
  constructor(private readonly metrics: MetricsService) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const started = process.hrtime.bigint();
    res.once('finish', () =>
      this.metrics.webhookAnswered(req.originalUrl, res.statusCode, Number(process.hrtime.bigint() - started) / 1e9),
    );
    next();
  }
}
