import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { WechatComponentStack } from '../../infra/wechat-component-stack';
import {
  buildAppStack,
  CDK_TIMEOUT_MS,
  CERTIFICATE_ARN,
  DOMAIN_NAME,
  EXISTING_SECRET_ARN,
  H5_OAUTH_CONTEXT,
  logicalIdOf,
  TEST_APPID,
} from './stacks';

const outdirs: string[] = [];
const newOutdir = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wechat-infra-synth-'));
  outdirs.push(dir);
  return dir;
};

let stack: WechatComponentStack;
let outdir: string;

beforeAll(() => {
  // One real synthesis, as `cdk synth` does it: assets staged from the prebuilt bundles and CloudFormation schema
  // validation. With sign-in on, so that every handler is deployed.
  outdir = newOutdir();
  // CDK may announce asset work on stderr; kept out of a passing run's output.
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    stack = buildAppStack(H5_OAUTH_CONTEXT, { bundle: true, cfnValidation: true, outdir });
    (stack.node.root as App).synth();
  } finally {
    stderr.mockRestore();
  }
}, CDK_TIMEOUT_MS);

afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  vi.unstubAllEnvs();
});

/** Every function the stack deploys from our handlers. */
const handlers = () => {
  const c = stack.component;
  return [c.pushReceiver, c.tokenRefresher, c.authorizerWorker, c.authorizationPage, c.h5OAuth!.function];
};

/** The directory a function's bundle was staged in, found through the S3 key of its code asset. */
function bundleDirOf(fnLogicalId: string): string {
  const template = JSON.parse(readFileSync(path.join(outdir, `${stack.artifactId}.template.json`), 'utf8'));
  const key = template.Resources[fnLogicalId].Properties.Code.S3Key as string;
  return path.join(outdir, `asset.${key.replace(/\.zip$/, '')}`);
}

// The SDK's error text tells users to `require("@aws-sdk/signature-v4-crt")` for optional CRT signing; not a real require.
const OPTIONAL_ADDONS = new Set(['@aws-sdk/signature-v4-crt', '@aws-sdk/signature-v4a']);

/** The packages a bundle still requires at run time, other than Node built-ins. */
function requiredPackages(code: string): string[] {
  const specifiers = [...code.matchAll(/require\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]!);
  return [...new Set(specifiers)].filter((s) => !s.startsWith('node:') && !builtinModules.includes(s) && !OPTIONAL_ADDONS.has(s));
}

/** Validation findings CDK wrote next to the templates; empty when every plugin passed. */
function validationFindings(dir: string): string[] {
  const report = JSON.parse(readFileSync(path.join(dir, 'validation-report.json'), 'utf8')) as {
    pluginReports: Array<{ pluginName: string; violations: Array<{ ruleName: string; description: string }> }>;
  };
  return report.pluginReports.flatMap((plugin) => plugin.violations.map((v) => `${plugin.pluginName} ${v.ruleName}: ${v.description}`));
}

describe('synthesis with real bundling', { timeout: CDK_TIMEOUT_MS }, () => {
  it('deploys every handler from its prebuilt bundle: minified CommonJS with source maps and the AWS SDK inside', () => {
    for (const fn of handlers()) {
      const dir = bundleDirOf(logicalIdOf(fn));

      const code = readFileSync(path.join(dir, 'index.js'), 'utf8');

      expect(existsSync(path.join(dir, 'index.js.map')), fn.node.path).toBe(true);
      expect(statSync(path.join(dir, 'index.js')).size, fn.node.path).toBeGreaterThan(50_000);
      expect(code, fn.node.path).toMatch(/module\.exports\s*=/);
      // externalModules: [] — the pinned SDK is bundled (its DynamoDB protocol target is inside), not required from
      // the runtime's copy; the bundle requires nothing but Node built-ins.
      expect(code, fn.node.path).toContain('DynamoDB_20120810');
      expect(requiredPackages(code), fn.node.path).toEqual([]);
    }
  });

  it('produces bundles that load at cold start and export the handler Lambda calls', () => {
    vi.stubEnv('WECHAT_COMPONENT_APPID', TEST_APPID);
    vi.stubEnv('WECHAT_TABLE_NAME', 'table');
    vi.stubEnv('WECHAT_KMS_KEY_ID', 'arn:aws:kms:ap-east-1:123456789012:key/00000000-0000-0000-0000-000000000000');
    vi.stubEnv('WECHAT_SECRET_ARN', EXISTING_SECRET_ARN);
    vi.stubEnv('WECHAT_REFRESHER_FUNCTION', 'refresher');
    vi.stubEnv('WECHAT_H5_OAUTH_SESSION_SECRET_ARN', `${EXISTING_SECRET_ARN}-session`);
    vi.stubEnv('WECHAT_H5_OAUTH_CALLBACK_URL', 'https://wechat.example.com/oauth/callback');
    vi.stubEnv('WECHAT_H5_OAUTH_ALLOWED_RETURN_TO', H5_OAUTH_CONTEXT.h5OAuthAllowedReturnTo);
    vi.stubEnv('WECHAT_AUTHORIZER_JOBS_QUEUE_URL', 'https://sqs.ap-east-1.amazonaws.com/123456789012/jobs');
    vi.stubEnv('WECHAT_AUTHORIZATION_PAGE_URL', 'https://wechat.example.com/authorize');
    vi.stubEnv('WECHAT_AUTHORIZATION_CALLBACK_URL', 'https://wechat.example.com/authorize/callback');
    vi.stubEnv('WECHAT_AUTHORIZATION_LINK_SECRET_ARN', `${EXISTING_SECRET_ARN}-link`);
    vi.stubEnv('AWS_REGION', 'ap-east-1');
    const require = createRequire(import.meta.url);

    for (const fn of handlers()) {
      const bundle = require(path.join(bundleDirOf(logicalIdOf(fn)), 'index.js')) as { handler?: unknown };

      expect(typeof bundle.handler, fn.node.path).toBe('function');
    }
  });

  it('passes CloudFormation schema validation for the sign-in stack', () => {
    expect(validationFindings(outdir)).toEqual([]);
  });

  it('passes CloudFormation schema validation for the default, lambda-egress, custom-domain and cookie-binding-off variants', () => {
    const variants: Array<Record<string, string>> = [
      {},
      { egress: 'lambda', removalPolicy: 'destroy', secretArn: EXISTING_SECRET_ARN },
      // Sign-in without configured authorizers: WECHAT_AUTHORIZER_APPIDS is an empty string.
      { h5OAuthAllowedReturnTo: H5_OAUTH_CONTEXT.h5OAuthAllowedReturnTo, h5OAuthCookieBinding: 'off' },
      { domainName: DOMAIN_NAME, certificateArn: CERTIFICATE_ARN, alarmEmail: 'ops@example.com' },
    ];

    for (const context of variants) {
      const dir = newOutdir();
      const variant = buildAppStack(context, { cfnValidation: true, outdir: dir });
      (variant.node.root as App).synth();

      expect(validationFindings(dir), JSON.stringify(context)).toEqual([]);
      expect(Template.fromStack(variant).toJSON().Resources).toBeDefined();
    }
  });
});
