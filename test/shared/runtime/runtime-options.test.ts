import { SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { awsClients } from '../../../shared/runtime/runtime-options';

describe('awsClients', () => {
  it('makes each listed client on first use, once', () => {
    let made = 0;
    const clients = awsClients({
      sqs: () => {
        made++;
        return new SQSClient({ region: 'us-east-1' });
      },
    });

    expect(made).toBe(0);
    const first = clients.sqs;
    expect(clients.sqs).toBe(first);
    expect(made).toBe(1);
  });

  it('uses a given client instead of making one', () => {
    const given = new SQSClient({ region: 'us-east-1' });
    const clients = awsClients({ sqs: () => new SQSClient({ region: 'eu-west-1' }) }, { sqs: given });

    expect(clients.sqs).toBe(given);
  });

  it('has only the clients it was given makers for', () => {
    const clients = awsClients({ sqs: () => new SQSClient({ region: 'us-east-1' }) });

    expect(Object.keys(clients)).toEqual(['sqs']);
  });
});
