import { Injectable } from '@nestjs/common';
import type { JobError, JobProcessor } from '../jobs/job-processor';
import type { JobRow } from '../jobs/jobs.repository';
import { SURVEYS_QUEUE } from './surveys.constants';
import { SurveysService } from './surveys.service';

/** Sends the survey of a resolved cycle (`resolutionJobs`); the service makes a re-run harmless. */
@Injectable()
export class SurveysProcessor implements JobProcessor {
  readonly queue = SURVEYS_QUEUE;

  constructor(private readonly surveys: SurveysService) {}

  async process(job: JobRow): Promise<void> {
    await this.surveys.sendForCycle(String(job.payload['conversationId']), Number(job.payload['cycle']));
  }

  /** Nothing to record: a survey that could not be sent is simply not counted as sent. */
  async onGiveUp(_job: JobRow, _error: JobError): Promise<void> {}
}
