import { Controller, Get, Header, Inject, NotFoundException, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Public } from '../auth/auth.decorators';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { DemoService } from './demo.service';

/** Health, the widget bundle and the demo shop page. The Angular app is served as static files. */
@ApiExcludeController()
@Public()
@Controller()
export class SiteController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly demo: DemoService,
  ) {}

  @Get('health')
  health(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('widget.js')
  widget(@Res() res: Response): void {
    if (!existsSync(this.config.widgetFile)) throw new NotFoundException('The widget is not built (run npm run build)');
    res.setHeader('Content-Type', 'application/javascript; charset=utf-8');
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.sendFile(this.config.widgetFile);
  }

  @Get('demo')
  @Header('Content-Type', 'text/html; charset=utf-8')
  async demoPage(): Promise<string> {
    const widgetKey = await this.demo.widgetKey();
    if (!widgetKey)
      throw new NotFoundException('No website chat channel exists yet: create one in Settings → Channels');
    const html = await readFile(this.config.demoFile, 'utf8');
    return html.replace('{{WIDGET_KEY}}', widgetKey);
  }
}
