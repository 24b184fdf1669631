import type { AuthorizerJob, AuthorizerJobQueue } from '../../../shared/authorizer/authorizer-jobs';
import { Interventions } from './interventions';

/** The worker's SQS queue in memory: jobs in the order sent; `faults` makes a send fail as a refused batch would. */
export class FakeJobQueue implements AuthorizerJobQueue {
  readonly faults = new Interventions<'send'>(() => new Error('SQS refused 1 authorizer job(s)'));
  readonly sent: AuthorizerJob[] = [];

  async send(jobs: readonly AuthorizerJob[]): Promise<void> {
    await this.faults.enter('send');
    this.sent.push(...jobs.map((job) => ({ ...job })));
  }
}
