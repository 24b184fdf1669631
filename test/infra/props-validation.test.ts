import { CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import { describe, expect, it } from 'vitest';
import { WechatComponent, type WechatComponentProps } from '../../infra/wechat-component';
import {
  CDK_TIMEOUT_MS,
  functionEnv,
  logicalIdOf,
  newTestApp,
  OWN_KEY_ARN,
  OWN_TABLE_ARN,
  onlyResourceOf,
  resourcesOf,
  roleIdOf,
  roleStatements,
  TEST_ACCOUNT,
  TEST_APPID,
  TEST_REGION,
} from './stacks';

const newStack = () => new Stack(newTestApp(), 'Validation', { env: { region: TEST_REGION, account: TEST_ACCOUNT } });

describe('WechatComponent props validation', { timeout: CDK_TIMEOUT_MS }, () => {
  it('throws naming componentAppid when it is not wx followed by 16 letters or digits', () => {
    for (const componentAppid of ['', 'wx123', 'xx1234567890abcdef', 'wx1234567890abcdef0', 'wx12345678-0abcdef', ` ${TEST_APPID}`]) {
      expect(() => new WechatComponent(newStack(), 'Component', { componentAppid }), JSON.stringify(componentAppid)).toThrow(
        /componentAppid/,
      );
    }
  });

  it('throws naming both props when refreshMargin is not longer than refreshInterval', () => {
    for (const [schedule, margin] of [
      [10, 10],
      [10, 5],
      [5, 4],
    ] as const) {
      expect(
        () =>
          new WechatComponent(newStack(), 'Component', {
            componentAppid: TEST_APPID,
            refreshInterval: Duration.minutes(schedule),
            refreshMargin: Duration.minutes(margin),
          }),
      ).toThrow(/refreshMargin.*refreshInterval/);
    }
  });

  it('throws naming refreshMargin when it reaches the 2-hour token lifetime', () => {
    expect(() => new WechatComponent(newStack(), 'Component', { componentAppid: TEST_APPID, refreshMargin: Duration.hours(2) })).toThrow(
      /refreshMargin/,
    );
  });

  it('throws naming h5OAuth.allowedReturnTo when it is empty', () => {
    expect(() => new WechatComponent(newStack(), 'Component', { componentAppid: TEST_APPID, h5OAuth: { allowedReturnTo: [] } })).toThrow(
      /h5OAuth\.allowedReturnTo/,
    );
  });

  it('throws naming h5OAuth.allowedReturnTo for an entry that is not an https URL with an optional path', () => {
    for (const entry of [
      'http://h5.example.com/app/',
      'ftp://h5.example.com/',
      'h5.example.com/app/',
      '//h5.example.com/app/',
      'https://',
      'https://h5.example.com/app/?next=1',
      'https://h5.example.com/app/#top',
      'https://h5.example.com/my app/',
      '',
    ]) {
      const build = () =>
        new WechatComponent(newStack(), 'Component', {
          componentAppid: TEST_APPID,
          h5OAuth: { allowedReturnTo: ['https://m.example.com', entry] },
        });

      expect(build, JSON.stringify(entry)).toThrow(/h5OAuth\.allowedReturnTo/);
    }
  });

  it('throws naming h5OAuth.allowedReturnTo for an entry the sign-in function would refuse at every cold start', () => {
    // The function splits WECHAT_H5_OAUTH_ALLOWED_RETURN_TO on commas and parses each entry as a URL without credentials.
    for (const entry of [
      'https://user:pass@h5.example.com/app/',
      'https://user@h5.example.com/',
      'https://h5.example.com/a,b/',
      'https://h5.example.com:99999/',
    ]) {
      const build = () =>
        new WechatComponent(newStack(), 'Component', { componentAppid: TEST_APPID, h5OAuth: { allowedReturnTo: [entry] } });

      expect(build, entry).toThrow(/h5OAuth\.allowedReturnTo/);
    }
  });

  it('throws naming h5OAuth.authorizerAppids when an entry is not an appid', () => {
    for (const authorizer of ['', 'wx123', 'gh_1234567890abcdef', 'wx1234567890abcdef0', ` ${TEST_APPID}`]) {
      const build = () =>
        new WechatComponent(newStack(), 'Component', {
          componentAppid: TEST_APPID,
          h5OAuth: { allowedReturnTo: ['https://h5.example.com/app/'], authorizerAppids: [TEST_APPID, authorizer] },
        });

      expect(build, JSON.stringify(authorizer)).toThrow(/h5OAuth\.authorizerAppids/);
    }
  });

  it('accepts https origins with and without a path prefix, and no authorizerAppids', () => {
    const build = () =>
      new WechatComponent(newStack(), 'Component', {
        componentAppid: TEST_APPID,
        h5OAuth: { allowedReturnTo: ['https://h5.example.com', 'https://h5.example.com/app/', 'https://m.example.com:8443/a/b'] },
      });

    expect(build).not.toThrow();
  });

  it('throws naming authorizerSweepInterval when it is under a minute or not whole minutes', () => {
    for (const sweep of [Duration.seconds(30), Duration.seconds(90), Duration.millis(300_500)]) {
      const build = () => new WechatComponent(newStack(), 'Component', { componentAppid: TEST_APPID, authorizerSweepInterval: sweep });

      expect(build, sweep.toString()).toThrow(/WechatComponent: authorizerSweepInterval must be a whole number of minutes, at least one/);
    }
  });

  it('throws naming refreshMargin and authorizerSweepInterval when the margin is not longer than the sweep', () => {
    const build = () =>
      new WechatComponent(newStack(), 'Component', {
        componentAppid: TEST_APPID,
        authorizerSweepInterval: Duration.minutes(15),
        refreshMargin: Duration.minutes(15),
      });

    expect(build).toThrow(/refreshMargin must be longer than authorizerSweepInterval/);
  });

  it('throws naming authorizerConcurrency, authorizationPageMode or preAuthCodesPerMinute when out of range', () => {
    const cases: Array<[Partial<WechatComponentProps>, RegExp]> = [
      [{ authorizerConcurrency: 1 }, /authorizerConcurrency must be a whole number from 2 to 1000/],
      [{ authorizerConcurrency: 1001 }, /authorizerConcurrency/],
      [{ authorizerConcurrency: 2.5 }, /authorizerConcurrency/],
      [{ authorizationPageMode: 'public' as 'open' }, /authorizationPageMode must be 'signed' or 'open'/],
      [{ preAuthCodesPerMinute: 0 }, /preAuthCodesPerMinute must be a whole number of 1 or more/],
      [{ preAuthCodesPerMinute: 1.5 }, /preAuthCodesPerMinute/],
    ];

    for (const [props, message] of cases) {
      expect(() => new WechatComponent(newStack(), 'Component', { componentAppid: TEST_APPID, ...props }), JSON.stringify(props)).toThrow(
        message,
      );
    }
  });

  it('accepts a margin just longer than the schedule', () => {
    const build = () =>
      new WechatComponent(newStack(), 'Component', {
        componentAppid: TEST_APPID,
        refreshInterval: Duration.minutes(10),
        refreshMargin: Duration.minutes(11),
      });

    expect(build).not.toThrow();
  });
});

describe('WechatComponent props from CloudFormation parameters (unresolved tokens)', { timeout: CDK_TIMEOUT_MS }, () => {
  /** The construct in a fresh stack, its props built with that stack's parameters. */
  function build(props: (stack: Stack) => Partial<WechatComponentProps>): { component: WechatComponent; template: Template } {
    const stack = newStack();
    const component = new WechatComponent(stack, 'Component', { componentAppid: TEST_APPID, ...props(stack) });
    return { component, template: Template.fromStack(stack) };
  }
  const stringParameter = (stack: Stack, id: string) => new CfnParameter(stack, id, { type: 'String' }).valueAsString;
  const numberParameter = (stack: Stack, id: string) => new CfnParameter(stack, id, { type: 'Number' }).valueAsNumber;
  const listParameter = (stack: Stack, id: string) => new CfnParameter(stack, id, { type: 'CommaDelimitedList' }).valueAsList;

  it('take componentAppid from a parameter into the environment and the partition conditions', () => {
    const { component, template } = build((stack) => ({ componentAppid: stringParameter(stack, 'ComponentAppid') }));

    const leadingKeys = roleStatements(template, roleIdOf(component.tokenRefresher)).map(
      (s) => s.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'],
    );

    expect(functionEnv(template, logicalIdOf(component.pushReceiver)).WECHAT_COMPONENT_APPID).toEqual({ Ref: 'ComponentAppid' });
    expect(leadingKeys).toContainEqual([{ 'Fn::Join': ['', ['TOKEN#', { Ref: 'ComponentAppid' }]] }]);
  });

  it('pass h5OAuth.allowedReturnTo and authorizerAppids from list parameters to the h5-oauth function, comma-joined', () => {
    const { component, template } = build((stack) => ({
      h5OAuth: { allowedReturnTo: listParameter(stack, 'ReturnTo'), authorizerAppids: listParameter(stack, 'Authorizers') },
    }));

    const env = functionEnv(template, logicalIdOf(component.h5OAuth!.function));

    expect(env.WECHAT_H5_OAUTH_ALLOWED_RETURN_TO).toEqual({ 'Fn::Join': [',', { Ref: 'ReturnTo' }] });
    expect(env.WECHAT_AUTHORIZER_APPIDS).toEqual({ 'Fn::Join': [',', { Ref: 'Authorizers' }] });
  });

  it('accept single parameters among the h5OAuth entries and still check the literal ones beside them', () => {
    const withToken = (bad: { returnTo?: string; authorizer?: string }) => () =>
      build((stack) => ({
        h5OAuth: {
          allowedReturnTo: [stringParameter(stack, 'ReturnTo'), bad.returnTo ?? 'https://h5.example.com/app/'],
          authorizerAppids: [stringParameter(stack, 'Authorizer'), bad.authorizer ?? TEST_APPID],
        },
      }));

    expect(withToken({})).not.toThrow();
    expect(withToken({ returnTo: 'http://h5.example.com/' })).toThrow(/h5OAuth\.allowedReturnTo/);
    expect(withToken({ authorizer: 'wx123' })).toThrow(/h5OAuth\.authorizerAppids/);
  });

  it('take throttle and pushThrottle limits from parameters into the stage', () => {
    const { template } = build((stack) => ({
      throttle: { rateLimit: numberParameter(stack, 'Rate'), burstLimit: numberParameter(stack, 'Burst') },
      pushThrottle: { rateLimit: numberParameter(stack, 'PushRate'), burstLimit: 300 },
    }));

    const [, stage] = onlyResourceOf(template, 'AWS::ApiGatewayV2::Stage');

    expect(stage.Properties!.DefaultRouteSettings).toMatchObject({
      ThrottlingRateLimit: { Ref: 'Rate' },
      ThrottlingBurstLimit: { Ref: 'Burst' },
    });
    expect(JSON.stringify(stage.Properties!.RouteSettings)).toContain('{"Ref":"PushRate"}');
  });

  it('still compare the literal limits of throttle and pushThrottle when one of them comes from a parameter', () => {
    const zeroBurst = () => build((stack) => ({ throttle: { rateLimit: numberParameter(stack, 'Rate'), burstLimit: 0 } }));
    const pushBelow = () =>
      build((stack) => ({
        throttle: { rateLimit: numberParameter(stack, 'Rate'), burstLimit: 50 },
        pushThrottle: { rateLimit: 100, burstLimit: 50 },
      }));

    expect(zeroBurst).toThrow(/throttle\.burstLimit/);
    expect(pushBelow).toThrow(/pushThrottle must be above throttle/);
  });

  it('take a refreshMargin of Duration.seconds(parameter) into the refresher and the token-lifetime alarm', () => {
    const { component, template } = build((stack) => ({ refreshMargin: Duration.seconds(numberParameter(stack, 'MarginSec')) }));

    const alarms = resourcesOf(template, 'AWS::CloudWatch::Alarm').filter(([id]) => id.startsWith('ComponentAlarmsTokenLifetime'));

    expect(functionEnv(template, logicalIdOf(component.tokenRefresher)).WECHAT_REFRESH_MARGIN_SEC).toEqual({ Ref: 'MarginSec' });
    expect(alarms.map(([, alarm]) => alarm.Properties!.Threshold)).toEqual([{ Ref: 'MarginSec' }]);
  });

  it('take a refreshMargin of Duration.seconds(parameter) into the authorizer worker and page, and alarm below what readers accept', () => {
    const { component, template } = build((stack) => ({ refreshMargin: Duration.seconds(numberParameter(stack, 'MarginSec')) }));

    const [, lifetime] = resourcesOf(template, 'AWS::CloudWatch::Alarm').find(([id]) =>
      id.startsWith('ComponentAlarmsAuthorizerTokenLifetime'),
    )!;

    for (const fn of [component.authorizerWorker, component.authorizationPage])
      expect(functionEnv(template, logicalIdOf(fn)).WECHAT_AUTHORIZER_REFRESH_MARGIN_SEC).toEqual({ Ref: 'MarginSec' });
    expect(lifetime!.Properties!.Threshold).toBe(300);
  });

  it('take authorizerConcurrency and preAuthCodesPerMinute from parameters', () => {
    const { component, template } = build((stack) => ({
      authorizerConcurrency: numberParameter(stack, 'Concurrency'),
      preAuthCodesPerMinute: numberParameter(stack, 'PerMinute'),
    }));

    const [, source] = onlyResourceOf(template, 'AWS::Lambda::EventSourceMapping');

    expect(source.Properties!.ScalingConfig).toEqual({ MaximumConcurrency: { Ref: 'Concurrency' } });
    expect(functionEnv(template, logicalIdOf(component.authorizationPage)).WECHAT_PRE_AUTH_CODES_PER_MINUTE).toEqual({ Ref: 'PerMinute' });
  });

  it('throws naming authorizerSweepInterval when it comes from a parameter', () => {
    const fromParameter = () => build((stack) => ({ authorizerSweepInterval: Duration.minutes(numberParameter(stack, 'SweepMin')) }));

    expect(fromParameter).toThrow(/authorizerSweepInterval must be a literal/);
  });

  it('throws naming refreshMargin when it comes from a parameter in a unit other than seconds', () => {
    const minutes = () => build((stack) => ({ refreshMargin: Duration.minutes(numberParameter(stack, 'MarginMin')) }));

    expect(minutes).toThrow(/refreshMargin.*Duration\.seconds/);
  });

  it('throws naming refreshInterval when it comes from a parameter, since the schedule and the alarms need its value', () => {
    const fromParameter = () => build((stack) => ({ refreshInterval: Duration.minutes(numberParameter(stack, 'IntervalMin')) }));

    expect(fromParameter).toThrow(/refreshInterval/);
  });

  it('take pushReceiverReservedConcurrency from a parameter', () => {
    const { component, template } = build((stack) => ({ pushReceiverReservedConcurrency: numberParameter(stack, 'Reserved') }));

    const receiver = template.findResources('AWS::Lambda::Function')[logicalIdOf(component.pushReceiver)]!;

    expect(receiver.Properties.ReservedConcurrentExecutions).toEqual({ Ref: 'Reserved' });
  });
});

describe('WechatComponent props validation of your own table and key', { timeout: CDK_TIMEOUT_MS }, () => {
  const ownKey = (stack: Stack, id = 'OwnKey') => kms.Key.fromKeyArn(stack, id, OWN_KEY_ARN);
  /** What both Table.addGlobalSecondaryIndex and TableV2's globalSecondaryIndexes take. */
  type IndexLayout = Pick<
    dynamodb.GlobalSecondaryIndexProps,
    'indexName' | 'partitionKey' | 'sortKey' | 'projectionType' | 'nonKeyAttributes'
  >;
  /** The two indexes the authorizer lifecycle queries, as a user would declare them. */
  const serviceIndexes = (overrides: Partial<Record<'due' | 'status', Partial<IndexLayout>>> = {}): IndexLayout[] => [
    {
      indexName: 'due',
      partitionKey: { name: 'dueKey', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'dueAtMs', type: dynamodb.AttributeType.NUMBER },
      projectionType: dynamodb.ProjectionType.INCLUDE,
      nonKeyAttributes: ['expiresAtMs'],
      ...overrides.due,
    } as IndexLayout,
    {
      indexName: 'status',
      partitionKey: { name: 'statusKey', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.KEYS_ONLY,
      ...overrides.status,
    } as IndexLayout,
  ];
  const tableWith = (stack: Stack, props: Partial<dynamodb.TableProps>, indexes = serviceIndexes()) => {
    const table = new dynamodb.Table(stack, 'OwnTable', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: 'ttl',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      ...props,
    });
    for (const index of indexes) table.addGlobalSecondaryIndex(index);
    return table;
  };
  const build = (props: (stack: Stack) => Partial<WechatComponentProps>) => () => {
    const stack = newStack();
    return new WechatComponent(stack, 'Component', { componentAppid: TEST_APPID, ...props(stack) });
  };

  it('throws naming key when the table is encrypted with a customer-managed key and no key is given', () => {
    const tableOnly = build((stack) => ({
      table: dynamodb.Table.fromTableAttributes(stack, 'OwnTable', { tableArn: OWN_TABLE_ARN, encryptionKey: ownKey(stack) }),
    }));

    expect(tableOnly).toThrow(/table is encrypted with a customer-managed key but key is not given: give the table’s key as key/);
  });

  it('throws naming table and key when the table is encrypted with another key than key', () => {
    const otherKey = build((stack) => ({
      table: dynamodb.Table.fromTableAttributes(stack, 'OwnTable', { tableArn: OWN_TABLE_ARN, encryptionKey: ownKey(stack) }),
      key: kms.Key.fromKeyArn(stack, 'OtherKey', OWN_KEY_ARN.replace('11111111', '99999999')),
    }));

    expect(otherKey).toThrow(/table is encrypted with another key than key/);
  });

  it('accepts the table’s key as key, the same key imported twice, and a table without a customer-managed key', () => {
    const sameObject = build((stack) => {
      const key = ownKey(stack);
      return { table: dynamodb.Table.fromTableAttributes(stack, 'OwnTable', { tableArn: OWN_TABLE_ARN, encryptionKey: key }), key };
    });
    const importedTwice = build((stack) => ({
      table: dynamodb.Table.fromTableAttributes(stack, 'OwnTable', { tableArn: OWN_TABLE_ARN, encryptionKey: ownKey(stack) }),
      key: ownKey(stack, 'SameKeyAgain'),
    }));
    const awsOwned = build((stack) => ({ table: dynamodb.Table.fromTableArn(stack, 'OwnTable', OWN_TABLE_ARN), key: ownKey(stack) }));

    for (const accepted of [sameObject, importedTwice, awsOwned]) expect(accepted).not.toThrow();
  });

  it('throws naming table when a table of the app lacks the pk/sk string keys or the ttl attribute', () => {
    const layouts: Array<[string, Partial<dynamodb.TableProps>, RegExp]> = [
      ['partition key id', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } }, /partition key must be the string 'pk'/],
      ['numeric sort key', { sortKey: { name: 'sk', type: dynamodb.AttributeType.NUMBER } }, /sort key must be the string 'sk'/],
      ['no sort key', { sortKey: undefined }, /sort key must be the string 'sk'/],
      ['ttl on expiresAt', { timeToLiveAttribute: 'expiresAt' }, /'ttl' attribute/],
      ['no ttl', { timeToLiveAttribute: undefined }, /'ttl' attribute/],
    ];

    for (const [name, props, message] of layouts) {
      const wrong = build((stack) => ({ table: tableWith(stack, props) }));

      expect(wrong, name).toThrow(/WechatComponent: table is not laid out as the service stores items/);
      expect(wrong, name).toThrow(message);
    }
    const tableV2WithoutTtl = build((stack) => ({
      table: new dynamodb.TableV2(stack, 'OwnTableV2', {
        partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
        sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      }),
    }));
    expect(tableV2WithoutTtl).toThrow(/'ttl' attribute/);
  });

  it('throws naming table and the index when a table of the app lacks the due or status index, or has it otherwise', () => {
    const layouts: Array<[string, ReturnType<typeof serviceIndexes>, RegExp]> = [
      ['no indexes', [], /global secondary index 'due'.*global secondary index 'status'/],
      [
        'no status index',
        serviceIndexes().slice(0, 1),
        /global secondary index 'status' \(partition key statusKey S, sort key pk S, KEYS_ONLY\)/,
      ],
      [
        'due without expiresAtMs',
        serviceIndexes({ due: { projectionType: dynamodb.ProjectionType.KEYS_ONLY, nonKeyAttributes: undefined } }),
        /global secondary index 'due' \(partition key dueKey S, sort key dueAtMs N, INCLUDE expiresAtMs\)/,
      ],
      ['due sorted by a string', serviceIndexes({ due: { sortKey: { name: 'dueAtMs', type: dynamodb.AttributeType.STRING } } }), /'due'/],
      ['status sorted by sk', serviceIndexes({ status: { sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING } } }), /'status'/],
    ];

    for (const [name, indexes, message] of layouts) {
      const wrong = build((stack) => ({ table: tableWith(stack, {}, indexes) }));

      expect(wrong, name).toThrow(/WechatComponent: table is not laid out as the service stores items/);
      expect(wrong, name).toThrow(message);
    }
  });

  it('accepts a Table or TableV2 of the app laid out as the service expects, and an index that projects everything', () => {
    const table = build((stack) => ({ table: tableWith(stack, {}) }));
    const allProjected = build((stack) => ({
      table: tableWith(stack, {}, serviceIndexes({ due: { projectionType: dynamodb.ProjectionType.ALL, nonKeyAttributes: undefined } })),
    }));
    const tableV2 = build((stack) => ({
      table: new dynamodb.TableV2(stack, 'OwnTableV2', {
        partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
        sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
        timeToLiveAttribute: 'ttl',
        globalSecondaryIndexes: serviceIndexes(),
      }),
    }));

    expect(table).not.toThrow();
    expect(allProjected).not.toThrow();
    expect(tableV2).not.toThrow();
  });
});
