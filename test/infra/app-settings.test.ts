import { describe, expect, it } from 'vitest';
import { readAppSettings } from '../../infra/app-settings';

const APPID = 'wx1234567890abcdef';
const lookup = (values: Record<string, unknown>) => (key: string) => values[key];

/** The problem lines of the error readAppSettings throws. */
function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(Error);
    return (err as Error).message
      .split('\n')
      .slice(1)
      .map((line) => line.replace(/^\s*-\s*/, ''));
  }
  throw new Error('expected readAppSettings to throw');
}

describe('readAppSettings', () => {
  it('applies the documented defaults', () => {
    const settings = readAppSettings(lookup({ componentAppid: APPID, region: 'ap-east-1' }), {});

    expect(settings).toEqual({
      stackName: 'WechatComponent',
      componentAppid: APPID,
      region: 'ap-east-1',
      egress: 'nat',
      refreshIntervalMinutes: 5,
      refreshMarginMinutes: 15,
      removalPolicy: 'retain',
      h5OAuthCookieBinding: true,
    });
    // Sign-in is off unless h5OAuthAllowedReturnTo is given.
    expect(settings).not.toHaveProperty('h5OAuthAllowedReturnTo');
    expect(settings).not.toHaveProperty('authorizerAppids');
  });

  it('throws naming every problem at once: missing appid and region, bad egress, domain without certificate, bad numbers', () => {
    const problems = problemsOf(() =>
      readAppSettings(
        lookup({ egress: 'satellite', domainName: 'wechat.example.com', removalPolicy: 'keep', refreshIntervalMinutes: 'five' }),
        {},
      ),
    );

    expect(problems).toHaveLength(6);
    expect(problems[0]).toMatch(/componentAppid is required/);
    expect(problems[1]).toMatch(/region is required/);
    expect(problems[2]).toMatch(/egress must be/);
    expect(problems[3]).toMatch(/domainName and certificateArn/);
    expect(problems[4]).toMatch(/removalPolicy must be/);
    expect(problems[5]).toMatch(/refreshIntervalMinutes must be a whole number/);
  });

  it('throws naming vpcId when egress is vpc without one, and certificateArn without domainName', () => {
    const problems = problemsOf(() =>
      readAppSettings(
        lookup({ componentAppid: APPID, region: 'ap-east-1', egress: 'vpc', certificateArn: 'arn:aws:acm:ap-east-1:1:certificate/x' }),
        {},
      ),
    );

    expect(problems).toEqual([
      expect.stringMatching(/vpcId is required with egress 'vpc'/),
      expect.stringMatching(/domainName and certificateArn go together/),
    ]);
  });

  it('throws naming componentAppid when it is not wx followed by 16 letters or digits', () => {
    for (const componentAppid of ['wx123', 'gh_1234567890abcd', 'wx1234567890abcdeg!']) {
      const problems = problemsOf(() => readAppSettings(lookup({ componentAppid, region: 'ap-east-1' }), {}));

      expect(problems, componentAppid).toEqual([expect.stringMatching(/componentAppid must look like wx/)]);
    }
  });

  it('throws naming the minutes setting that is not a positive whole number', () => {
    for (const value of ['0', '1.5', '-5', 'ten']) {
      const problems = problemsOf(() =>
        readAppSettings(lookup({ componentAppid: APPID, region: 'ap-east-1', refreshMarginMinutes: value }), {}),
      );

      expect(problems, value).toEqual([expect.stringMatching(/refreshMarginMinutes must be a whole number of minutes/)]);
    }
  });

  it('falls back to WECHAT_COMPONENT_APPID, CDK_DEFAULT_REGION and CDK_DEFAULT_ACCOUNT from the environment', () => {
    const settings = readAppSettings(lookup({}), {
      WECHAT_COMPONENT_APPID: APPID,
      CDK_DEFAULT_REGION: 'ap-southeast-1',
      CDK_DEFAULT_ACCOUNT: '123456789012',
    });

    expect(settings).toMatchObject({ componentAppid: APPID, region: 'ap-southeast-1', account: '123456789012' });
  });

  it('prefers context over the environment, and CDK_DEFAULT_REGION over AWS_REGION', () => {
    const fromContext = readAppSettings(lookup({ componentAppid: APPID, region: 'ap-east-1' }), {
      WECHAT_COMPONENT_APPID: 'wxffffffffffffffff',
      AWS_REGION: 'us-east-1',
    });
    const fromEnv = readAppSettings(lookup({ componentAppid: APPID }), { CDK_DEFAULT_REGION: 'ap-southeast-1', AWS_REGION: 'us-east-1' });

    expect([fromContext.componentAppid, fromContext.region]).toEqual([APPID, 'ap-east-1']);
    expect(fromEnv.region).toBe('ap-southeast-1');
  });

  it('carries the optional settings through, and reads numbers given as JSON numbers in cdk.json', () => {
    const settings = readAppSettings(
      lookup({
        componentAppid: APPID,
        region: 'ap-east-1',
        stackName: 'WechatProd',
        secretArn: 'arn:aws:secretsmanager:ap-east-1:123456789012:secret:wechat-AbCdEf',
        domainName: 'wechat.example.com',
        certificateArn: 'arn:aws:acm:ap-east-1:123456789012:certificate/abc',
        alarmTopicArn: 'arn:aws:sns:ap-east-1:123456789012:ops',
        alarmEmail: 'ops@example.com',
        egress: 'vpc',
        vpcId: 'vpc-0123456789abcdef0',
        egressIp: '203.0.113.7',
        refreshIntervalMinutes: 2,
        refreshMarginMinutes: 20,
        removalPolicy: 'destroy',
        h5OAuthAllowedReturnTo: 'https://h5.example.com/app/,https://m.example.com',
        authorizerAppids: 'wxfedcba9876543210,wx0123456789abcdef',
        h5OAuthCookieBinding: 'off',
        pushReceiverReservedConcurrency: 5,
        authorizerSweepIntervalMinutes: '10',
        authorizerConcurrency: 20,
        preAuthCodesPerMinute: '5',
        authorizationPageMode: 'open',
      }),
      {},
    );

    expect(settings).toEqual({
      stackName: 'WechatProd',
      componentAppid: APPID,
      region: 'ap-east-1',
      secretArn: 'arn:aws:secretsmanager:ap-east-1:123456789012:secret:wechat-AbCdEf',
      domainName: 'wechat.example.com',
      certificateArn: 'arn:aws:acm:ap-east-1:123456789012:certificate/abc',
      alarmTopicArn: 'arn:aws:sns:ap-east-1:123456789012:ops',
      alarmEmail: 'ops@example.com',
      egress: 'vpc',
      vpcId: 'vpc-0123456789abcdef0',
      egressIp: '203.0.113.7',
      refreshIntervalMinutes: 2,
      refreshMarginMinutes: 20,
      removalPolicy: 'destroy',
      h5OAuthAllowedReturnTo: ['https://h5.example.com/app/', 'https://m.example.com'],
      authorizerAppids: ['wxfedcba9876543210', 'wx0123456789abcdef'],
      h5OAuthCookieBinding: false,
      pushReceiverReservedConcurrency: 5,
      authorizerSweepIntervalMinutes: 10,
      authorizerConcurrency: 20,
      preAuthCodesPerMinute: 5,
      authorizationPageMode: 'open',
    });
  });

  it('throws naming each authorizer setting that is not what it must be', () => {
    const problems = problemsOf(() =>
      readAppSettings(
        lookup({
          componentAppid: APPID,
          region: 'ap-east-1',
          authorizerSweepIntervalMinutes: '2.5',
          authorizerConcurrency: 'many',
          preAuthCodesPerMinute: '0',
          authorizationPageMode: 'public',
        }),
        {},
      ),
    );

    expect(problems).toEqual([
      expect.stringMatching(/authorizerSweepIntervalMinutes must be a whole number of minutes/),
      expect.stringMatching(/authorizerConcurrency must be a whole number/),
      expect.stringMatching(/preAuthCodesPerMinute must be a whole number/),
      expect.stringMatching(/authorizationPageMode must be 'signed' or 'open'/),
    ]);
  });

  it('reserves no concurrency for the push receiver unless pushReceiverReservedConcurrency is given', () => {
    const unset = readAppSettings(lookup({ componentAppid: APPID, region: 'ap-east-1' }), {});
    const set = readAppSettings(lookup({ componentAppid: APPID, region: 'ap-east-1', pushReceiverReservedConcurrency: '10' }), {});

    expect(unset).not.toHaveProperty('pushReceiverReservedConcurrency');
    expect(set.pushReceiverReservedConcurrency).toBe(10);
  });

  it('throws naming pushReceiverReservedConcurrency when it is not a positive whole number', () => {
    for (const value of ['0', '2.5', '-1', 'some', 'on']) {
      const problems = problemsOf(() =>
        readAppSettings(lookup({ componentAppid: APPID, region: 'ap-east-1', pushReceiverReservedConcurrency: value }), {}),
      );

      expect(problems, value).toEqual([
        expect.stringMatching(/pushReceiverReservedConcurrency must be a whole number of concurrent executions \(1 or more\)/),
      ]);
    }
  });

  it('treats empty context values as unset', () => {
    const settings = readAppSettings(
      lookup({ componentAppid: APPID, region: 'ap-east-1', egress: '', domainName: '', certificateArn: '' }),
      {},
    );

    expect(settings.egress).toBe('nat');
    expect(settings).not.toHaveProperty('domainName');
  });

  describe('h5-oauth settings', () => {
    const base = { componentAppid: APPID, region: 'ap-east-1' };

    it('reads h5OAuthAllowedReturnTo and authorizerAppids as comma-separated lists, trimming spaces and skipping empty entries', () => {
      const settings = readAppSettings(
        lookup({
          ...base,
          h5OAuthAllowedReturnTo: ' https://h5.example.com/app/ ,, https://m.example.com ,',
          authorizerAppids: 'wxfedcba9876543210 , ',
        }),
        {},
      );

      expect(settings.h5OAuthAllowedReturnTo).toEqual(['https://h5.example.com/app/', 'https://m.example.com']);
      expect(settings.authorizerAppids).toEqual(['wxfedcba9876543210']);
    });

    it('leaves sign-in off for an h5OAuthAllowedReturnTo of only separators, as for an empty one', () => {
      for (const h5OAuthAllowedReturnTo of ['', ',', ' , ']) {
        const settings = readAppSettings(lookup({ ...base, h5OAuthAllowedReturnTo }), {});

        expect(settings, JSON.stringify(h5OAuthAllowedReturnTo)).not.toHaveProperty('h5OAuthAllowedReturnTo');
      }
    });

    it('turns cookie binding off only for h5OAuthCookieBinding off', () => {
      const on = readAppSettings(lookup({ ...base, h5OAuthCookieBinding: 'on' }), {});
      const off = readAppSettings(lookup({ ...base, h5OAuthCookieBinding: 'off' }), {});

      expect([on.h5OAuthCookieBinding, off.h5OAuthCookieBinding]).toEqual([true, false]);
    });

    it('throws naming h5OAuthAllowedReturnTo for an entry that is not an https URL prefix', () => {
      for (const entry of [
        'http://h5.example.com/app/',
        'h5.example.com/app/',
        'ftp://h5.example.com/',
        'https://h5.example.com/app/?next=1',
        'https://h5.example.com/#x',
        'https://',
      ]) {
        const problems = problemsOf(() =>
          readAppSettings(lookup({ ...base, h5OAuthAllowedReturnTo: `https://m.example.com,${entry}` }), {}),
        );

        expect(problems, entry).toEqual([
          expect.stringMatching(/context h5OAuthAllowedReturnTo must be comma-separated https URL prefixes/),
        ]);
      }
    });

    it('throws naming authorizerAppids when an entry is not an appid', () => {
      for (const entry of ['wx123', 'gh_1234567890abcdef', 'wx1234567890abcdef0', 'wx12345678-0abcdef']) {
        const problems = problemsOf(() =>
          readAppSettings(
            lookup({ ...base, h5OAuthAllowedReturnTo: 'https://h5.example.com/', authorizerAppids: `${APPID},${entry}` }),
            {},
          ),
        );

        expect(problems, entry).toEqual([expect.stringMatching(/context authorizerAppids must be comma-separated appids/)]);
      }
    });

    it('throws naming both settings when authorizerAppids is given without h5OAuthAllowedReturnTo, which would leave sign-in off', () => {
      const problems = problemsOf(() => readAppSettings(lookup({ ...base, authorizerAppids: 'wxfedcba9876543210' }), {}));

      expect(problems).toEqual([expect.stringMatching(/context authorizerAppids needs h5OAuthAllowedReturnTo/)]);
    });

    it('throws naming h5OAuthCookieBinding when it is not on or off', () => {
      for (const value of ['true', 'false', 'no', 'OFF']) {
        const problems = problemsOf(() => readAppSettings(lookup({ ...base, h5OAuthCookieBinding: value }), {}));

        expect(problems, value).toEqual([expect.stringMatching(/context h5OAuthCookieBinding must be 'on' or 'off'/)]);
      }
    });

    it('throws naming every sign-in problem at once', () => {
      const problems = problemsOf(() =>
        readAppSettings(
          lookup({ ...base, h5OAuthAllowedReturnTo: 'http://h5.example.com/', authorizerAppids: 'wx1', h5OAuthCookieBinding: 'maybe' }),
          {},
        ),
      );

      expect(problems).toEqual([
        expect.stringMatching(/h5OAuthAllowedReturnTo/),
        expect.stringMatching(/authorizerAppids must be/),
        expect.stringMatching(/h5OAuthCookieBinding/),
      ]);
    });
  });
});
