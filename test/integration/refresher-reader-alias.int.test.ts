import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CapturedOutput, enablePowertoolsOutput } from '../support/captured-output';
import { type Harness, REFRESHER_FUNCTION, REFRESHER_READER, startHarness } from '../support/harness';

const calls = (h: Harness) => h.sim.stats().calls.api_component_token ?? 0;

/** Invokes the refresher the way a caller holding only the given grant would: by that name, through Lambda Invoke. */
async function invoke(h: Harness, functionName: string, payload: unknown) {
  const lambda = new LambdaClient(h.aws.clientConfig('lambda'));
  const out = await lambda.send(new InvokeCommand({ FunctionName: functionName, Payload: JSON.stringify(payload) }));
  const body = JSON.parse(Buffer.from(out.Payload ?? new Uint8Array()).toString('utf8')) as Record<string, unknown>;
  return { functionError: out.FunctionError, body };
}

describe('token refresher invoked through the reader alias', () => {
  let h: Harness;
  enablePowertoolsOutput();
  const output = new CapturedOutput();

  beforeEach(async () => {
    output.start();
    h = await startHarness();
    await h.sim.pushTicketNow();
    // WeChat refuses with a configuration errcode: the refresher backs off for 10 minutes.
    h.sim.setFaults({ failNext: [{ api: 'api_component_token', errcode: 61004, count: 1 }] });
    await h.runRefresher();
    output.clear();
  });
  afterEach(async () => {
    output.stop();
    await h.close();
  });

  it.each(['operator', 'schedule'])('refuses reason %s from a reader, so the backoff holds and WeChat is not called', async (reason) => {
    const refused = await invoke(h, REFRESHER_READER, { action: 'refresh', reason });

    expect(refused.functionError).toBe('Unhandled');
    expect(String(refused.body.errorMessage)).toBe(
      `refresh reason '${reason}' is refused through the 'reader' alias: readers may ask for reader-miss or invalidate; operators invoke the unqualified function`,
    );
    expect(calls(h)).toBe(1);
    expect(output.logs('refresh request refused: reason not allowed through this alias')).toEqual([
      expect.objectContaining({ level: 'WARN', reason, invokedVia: 'reader' }),
    ]);
    expect(output.metricSum('RefreshRequestsRefused')).toBe(1);
  });

  it('refuses a scheduled event sent through the reader alias', async () => {
    const refused = await invoke(h, REFRESHER_READER, { 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} });

    expect(refused.functionError).toBe('Unhandled');
    expect(calls(h)).toBe(1);
  });

  it('answers a reader miss through the reader alias, within the backoff', async () => {
    const answered = await invoke(h, REFRESHER_READER, { action: 'refresh', reason: 'reader-miss' });

    expect(answered.functionError).toBeUndefined();
    expect(answered.body).toMatchObject({ status: 'backoff', errcode: 61004 });
    expect(calls(h)).toBe(1);
  });

  it('lets an operator invoking the unqualified function refresh through the backoff', async () => {
    const refreshed = await invoke(h, REFRESHER_FUNCTION, { action: 'refresh', reason: 'operator' });

    expect(refreshed.body).toMatchObject({ status: 'refreshed' });
    expect(calls(h)).toBe(2);
  });

  it('gives readers a token through the alias once the backoff is over', async () => {
    h.clock.advance(10 * 60_000);

    const token = await h.newReader().getComponentAccessToken();

    expect(h.sim.checkComponentAccessToken(token)).toBe('ok');
  });
});
