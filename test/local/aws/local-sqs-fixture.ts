import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll } from 'vitest';
import { type LocalAws, startLocalAws } from '../../../local/aws/local-aws';
import { FakeClock } from '../../support/fake-clock';

/** The stand-ins on a fake clock, with an SQS client. `aws` and `sqs` are set once `beforeAll` has run. */
export interface LocalSqsFixture {
  readonly aws: LocalAws;
  readonly sqs: SQSClient;
  readonly clock: FakeClock;
}

/** Starts the stand-ins for one test file on a fake clock (every SQS time reads it) and stops them afterwards. */
export function useLocalSqs(): LocalSqsFixture {
  const fixture = { clock: new FakeClock() } as { aws: LocalAws; sqs: SQSClient; clock: FakeClock };
  beforeAll(async () => {
    fixture.aws = await startLocalAws({ now: fixture.clock.now });
    fixture.sqs = new SQSClient(fixture.aws.clientConfig('sqs'));
  });
  afterAll(async () => {
    fixture.sqs.destroy();
    await fixture.aws.close();
  });
  return fixture;
}
