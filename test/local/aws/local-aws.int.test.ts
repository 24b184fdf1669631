import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DecryptCommand, EncryptCommand, InvalidCiphertextException, KMSClient } from '@aws-sdk/client-kms';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetQueueUrlCommand, QueueDoesNotExist, SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type LocalAws, startLocalAws } from '../../../local/aws/local-aws';

describe('startLocalAws', () => {
  let aws: LocalAws;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    aws = await startLocalAws();
  });

  afterEach(() => {
    for (const name of Object.keys(aws.env())) {
      if (savedEnv[name] === undefined) {
        delete process.env[name];
      } else {
        process.env[name] = savedEnv[name];
      }
    }
    aws.clearFaults();
  });

  afterAll(async () => {
    await aws.close();
  });

  it('binds every endpoint to 127.0.0.1 in us-east-1 with one aliased KMS key', () => {
    const endpoints = Object.values(aws.endpoints);

    expect(endpoints.every((endpoint) => /^http:\/\/127\.0\.0\.1:\d+$/.test(endpoint))).toBe(true);
    expect(aws.endpoints.dynamodb).not.toBe(aws.endpoints.kms);
    expect(aws.region).toBe('us-east-1');
    expect(aws.kmsAlias).toBe('alias/wechat-component-local');
    expect(aws.kmsKeyArn).toBe(`arn:aws:kms:us-east-1:000000000000:key/${aws.kmsKeyId}`);
  });

  it('points clients built without an endpoint option at the stand-ins once env() is in process.env', async () => {
    Object.assign(process.env, aws.env());
    aws.putSecret('env-check', 'from-env');
    aws.registerFunction('env-check', async () => 'invoked');
    const queue = aws.createQueue('env-check');
    const kms = new KMSClient({});
    const secrets = new SecretsManagerClient({});
    const lambda = new LambdaClient({});
    const dynamo = new DynamoDBClient({});
    const sqs = new SQSClient({});

    const encrypted = await kms.send(new EncryptCommand({ KeyId: aws.kmsAlias, Plaintext: Buffer.from('v') }));
    const secret = await secrets.send(new GetSecretValueCommand({ SecretId: 'env-check' }));
    const invoked = await lambda.send(new InvokeCommand({ FunctionName: 'env-check' }));
    const tables = await dynamo.send(new ListTablesCommand({}));
    const queueUrl = await sqs.send(new GetQueueUrlCommand({ QueueName: 'env-check' }));

    expect(encrypted.KeyId).toBe(aws.kmsKeyArn);
    expect(secret.SecretString).toBe('from-env');
    expect(Buffer.from(invoked.Payload ?? new Uint8Array()).toString('utf8')).toBe('"invoked"');
    expect(tables.TableNames).toBeDefined();
    expect(queueUrl.QueueUrl).toBe(queue.url);
    for (const client of [kms, secrets, lambda, dynamo, sqs]) {
      client.destroy();
    }
  });

  it('lists the variables the SDK reads for region, endpoints and credentials', () => {
    const env = aws.env();

    expect(Object.keys(env).sort()).toEqual([
      'AWS_ACCESS_KEY_ID',
      'AWS_ENDPOINT_URL_DYNAMODB',
      'AWS_ENDPOINT_URL_KMS',
      'AWS_ENDPOINT_URL_LAMBDA',
      'AWS_ENDPOINT_URL_SECRETS_MANAGER',
      'AWS_ENDPOINT_URL_SQS',
      'AWS_REGION',
      'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED',
      'AWS_SECRET_ACCESS_KEY',
    ]);
    expect(env.AWS_ENDPOINT_URL_SECRETS_MANAGER).toBe(aws.endpoints.secretsManager);
    expect(env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED).toBe('true');
  });

  it('gives explicit client config for each service', () => {
    const config = aws.clientConfig('lambda');

    expect(config).toEqual({
      region: 'us-east-1',
      endpoint: aws.endpoints.lambda,
      credentials: { accessKeyId: expect.any(String), secretAccessKey: expect.any(String) },
    });
  });

  describe('injectFault', () => {
    it('makes the next call throw the named error, then lets calls through again', async () => {
      const kms = new KMSClient(aws.clientConfig('kms'));
      const { CiphertextBlob } = await kms.send(new EncryptCommand({ KeyId: aws.kmsAlias, Plaintext: Buffer.from('v') }));
      aws.injectFault({ service: 'kms', operation: 'Decrypt', errorType: 'InvalidCiphertextException', count: 1 });

      const faulted = kms.send(new DecryptCommand({ CiphertextBlob }));
      await expect(faulted).rejects.toBeInstanceOf(InvalidCiphertextException);
      const next = await kms.send(new DecryptCommand({ CiphertextBlob }));

      expect(Buffer.from(next.Plaintext ?? new Uint8Array()).toString('utf8')).toBe('v');
      kms.destroy();
    });

    it('fails exactly count calls of a non-retryable error', async () => {
      aws.putSecret('fault-count', 'v');
      const secrets = new SecretsManagerClient(aws.clientConfig('secretsManager'));
      aws.injectFault({ service: 'secretsManager', operation: 'GetSecretValue', errorType: 'AccessDeniedException', count: 2 });

      const outcomes = [];
      for (let i = 0; i < 3; i += 1) {
        outcomes.push(
          await secrets.send(new GetSecretValueCommand({ SecretId: 'fault-count' })).then(
            () => 'ok',
            (err: Error) => err.name,
          ),
        );
      }

      expect(outcomes).toEqual(['AccessDeniedException', 'AccessDeniedException', 'ok']);
      secrets.destroy();
    });

    it('lets the SDK retry absorb a single retryable server fault', async () => {
      aws.putSecret('fault-retry', 'v');
      const secrets = new SecretsManagerClient(aws.clientConfig('secretsManager'));
      aws.injectFault({ service: 'secretsManager', operation: 'GetSecretValue', errorType: 'InternalServiceError', count: 1 });
      aws.resetStats();

      const result = await secrets.send(new GetSecretValueCommand({ SecretId: 'fault-retry' }));

      expect(result.SecretString).toBe('v');
      expect(result.$metadata.attempts).toBe(2);
      expect(aws.stats().secretsManager.GetSecretValue).toBe(2);
      secrets.destroy();
    });

    it('makes a Lambda Invoke throw the named error with the given status', async () => {
      aws.registerFunction('faulty', async () => null);
      const lambda = new LambdaClient(aws.clientConfig('lambda'));
      aws.injectFault({ service: 'lambda', operation: 'Invoke', errorType: 'ResourceConflictException', count: 1, httpStatus: 409 });

      const attempt = lambda.send(new InvokeCommand({ FunctionName: 'faulty' }));

      await expect(attempt).rejects.toMatchObject({
        name: 'ResourceConflictException',
        $metadata: { httpStatusCode: 409 },
      });
      lambda.destroy();
    });

    it('makes an SQS call fail with the modeled error the SDK maps from x-amzn-query-error', async () => {
      const queue = aws.createQueue('faulted');
      const sqs = new SQSClient(aws.clientConfig('sqs'));
      aws.injectFault({ service: 'sqs', operation: 'SendMessage', errorType: 'QueueDoesNotExist', count: 1 });

      const faulted = await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'a' })).catch((err: unknown) => err);
      const next = await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'a' }));

      expect(faulted).toBeInstanceOf(QueueDoesNotExist);
      expect(next.MessageId).toBeDefined();
      sqs.destroy();
    });

    it('lets the SDK retry absorb a single SQS server fault, counting both requests', async () => {
      const queue = aws.createQueue('retried');
      const sqs = new SQSClient(aws.clientConfig('sqs'));
      aws.injectFault({ service: 'sqs', operation: 'SendMessageBatch', errorType: 'InternalError', count: 1 });
      aws.resetStats();

      const result = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queue.url, Entries: [{ Id: 'a', MessageBody: 'a' }] }));

      expect(result.Successful).toHaveLength(1);
      expect(result.$metadata.attempts).toBe(2);
      expect(aws.stats().sqs.SendMessageBatch).toBe(2);
      sqs.destroy();
    });

    it.each([
      ['a zero count', { count: 0 }],
      ['a fractional count', { count: 1.5 }],
      ['an error type that is not a name', { errorType: 'not a name' }],
      ['a status that is not an error', { httpStatus: 200 }],
    ])('throws on %s', (_label, override) => {
      const act = () => aws.injectFault({ service: 'kms', operation: 'Decrypt', errorType: 'KMSInternalException', count: 1, ...override });

      expect(act).toThrow(RangeError);
    });
  });

  describe('wire protocol edges', () => {
    async function postJson(target: string | undefined, body = '{}'): Promise<{ status: number; json: unknown }> {
      const headers: Record<string, string> = { 'content-type': 'application/x-amz-json-1.1' };
      if (target !== undefined) {
        headers['x-amz-target'] = target;
      }
      const response = await fetch(aws.endpoints.kms, { method: 'POST', headers, body });
      return { status: response.status, json: await response.json() };
    }

    it.each([
      ['an operation the stand-in does not implement', 'TrentService.GenerateDataKeyPair'],
      ['a service it does not serve', 'DynamoDB_20120810.GetItem'],
      ['an inherited property name', 'TrentService.constructor'],
      ['a target without an operation', 'TrentService'],
      ['no target header at all', undefined],
    ])('rejects %s with a 400 UnknownOperationException', async (_label, target) => {
      const response = await postJson(target);

      expect(response.status).toBe(400);
      expect(response.json).toMatchObject({ __type: 'UnknownOperationException', message: expect.any(String) });
    });

    it('answers an SQS operation the stand-in does not implement in SQS JSON 1.0 error form', async () => {
      const response = await fetch(aws.endpoints.sqs, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.ListQueues' },
        body: '{}',
      });

      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toBe('application/x-amz-json-1.0');
      expect(response.headers.get('x-amzn-query-error')).toBe('UnknownOperationException;Sender');
      expect(await response.json()).toMatchObject({ __type: 'com.amazonaws.sqs#UnknownOperationException' });
    });

    it('rejects a body that is not JSON with SerializationException', async () => {
      const response = await postJson('TrentService.Encrypt', '{"KeyId":');

      expect(response.status).toBe(400);
      expect(response.json).toMatchObject({ __type: 'SerializationException' });
    });

    it('rejects an unknown Lambda REST path with a 404 error type header', async () => {
      const response = await fetch(`${aws.endpoints.lambda}/2015-03-31/functions/x/configuration`, { method: 'GET' });

      expect(response.status).toBe(404);
      expect(response.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
    });
  });

  it('hands functions a context that Powertools Logger accepts', async () => {
    const logger = new Logger({ serviceName: 'local-aws-test' });
    const handler = async (_event: unknown, context: Context): Promise<string> => {
      logger.addContext(context);
      return context.functionName;
    };
    aws.registerFunction('powertools', handler);
    const lambda = new LambdaClient(aws.clientConfig('lambda'));

    const result = await lambda.send(new InvokeCommand({ FunctionName: 'powertools' }));

    expect(result.FunctionError).toBeUndefined();
    expect(Buffer.from(result.Payload ?? new Uint8Array()).toString('utf8')).toBe('"powertools"');
    lambda.destroy();
  });
});

describe('LocalAws.close', () => {
  it('stops a started SQS event source after the invocation in flight', async () => {
    const aws = await startLocalAws();
    const queue = aws.createQueue('closing');
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started: () => void = () => undefined;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    let finished = false;
    aws.registerFunction('held', async () => {
      started();
      await gate;
      finished = true;
    });
    aws.addSqsEventSource({ queue: queue.url, functionName: 'held' }).start();
    const sqs = new SQSClient(aws.clientConfig('sqs'));
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'a' }));
    sqs.destroy();
    await running;

    const closing = aws.close();
    release();
    await closing;

    expect(finished).toBe(true);
  });

  it('waits for background invocations and then stops answering', async () => {
    const aws = await startLocalAws();
    let finished = false;
    aws.registerFunction('slow', async () => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      finished = true;
    });
    const lambda = new LambdaClient(aws.clientConfig('lambda'));
    await lambda.send(new InvokeCommand({ FunctionName: 'slow', InvocationType: 'Event' }));
    lambda.destroy();

    await aws.close();

    expect(finished).toBe(true);
    await expect(fetch(aws.endpoints.kms, { method: 'POST' })).rejects.toThrow();
    await expect(fetch(aws.endpoints.dynamodb, { method: 'POST' })).rejects.toThrow();
  });
});
