import { type PolicyViolation, type Stack, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  bringYourOwnStack,
  CDK_TIMEOUT_MS,
  customDomainStack,
  defaultStack,
  H5_OAUTH_CONTEXT,
  h5OAuthStack,
  lambdaEgressStack,
  ownKeyInStack,
} from './stacks';

/** The findings cdk-nag's own acknowledgement check leaves, as `rule at path` lines for a readable failure. */
function unacknowledgedFindings(stack: Stack): string[] {
  const report = new AwsSolutionsChecks().validateScope(stack);
  return report.violations.flatMap((violation: PolicyViolation) =>
    violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.constructPath ?? '?'}`),
  );
}

/** Every acknowledgement recorded in the stack: where, which rule, and why. */
function acknowledgements(stack: Stack): Array<{ path: string; id: string; reason: string }> {
  return stack.node
    .findAll()
    .flatMap((construct) =>
      construct.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) =>
          Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({ path: construct.node.path, id, reason })),
        ),
    );
}

const variants = [
  ['the default stack', () => defaultStack()],
  ['the lambda-egress stack', () => lambdaEgressStack()],
  ['the custom-domain stack with alarm e-mail', () => customDomainStack()],
  ['the sign-in stack', () => h5OAuthStack()],
  ['the sign-in stack with lambda egress and a custom domain', () => customDomainStack({ ...H5_OAUTH_CONTEXT, egress: 'lambda' })],
  ['the construct on your own imported table, key and VPC, with sign-in and a token reader', () => bringYourOwnStack().stack],
  ['the construct on your own key defined in the stack', () => ownKeyInStack().stack],
] as const;

// Each variant is built once for this file; the checks below only read the stacks.
const built = new Map<string, Stack>();
beforeAll(() => {
  for (const [name, build] of variants) built.set(name, build());
}, CDK_TIMEOUT_MS);

describe('cdk-nag AwsSolutions checks', { timeout: CDK_TIMEOUT_MS }, () => {
  for (const [name] of variants) {
    it(`report no unacknowledged finding on ${name}`, () => {
      const stack = built.get(name)!;

      const findings = unacknowledgedFindings(stack);

      expect(findings).toEqual([]);
    });
  }

  it('acknowledge each finding with a reason of at least 40 characters', () => {
    for (const [name] of variants) {
      const acks = acknowledgements(built.get(name)!);

      expect(acks.filter(({ id }) => id.includes('AwsSolutions-')).length, name).toBeGreaterThanOrEqual(5);
      for (const { path, id, reason } of acks) expect(reason.trim().length, `${id} at ${path}`).toBeGreaterThanOrEqual(40);
    }
  });

  it('acknowledge the sign-in findings on the sign-in routes and session secret themselves, nowhere broader', () => {
    const stack = built.get('the sign-in stack')! as ReturnType<typeof h5OAuthStack>;
    const h5OAuth = stack.component.h5OAuth!;
    const acks = acknowledgements(stack);
    const routePaths = stack.component.api.httpApi.node.children
      .filter((child) => /^(GET|POST|DELETE|OPTIONS)--h5-oauth--/.test(child.node.id))
      .map((route) => route.node.path);

    const pathsOf = (rule: string) => acks.filter(({ id }) => id.endsWith(`AwsSolutions-${rule}`)).map(({ path }) => path);

    expect(routePaths).toHaveLength(6);
    expect(
      pathsOf('APIG4')
        .filter((path) => path.includes('oauth'))
        .sort(),
    ).toEqual([...routePaths].sort());
    expect(pathsOf('SMG4')).toContain(h5OAuth.sessionSecret.node.path);
    // Acknowledged on the sign-in construct or the stack as a whole, they would hide findings on anything added later.
    expect(acks.filter(({ path }) => path === h5OAuth.node.path || path.startsWith(h5OAuth.function.node.path))).toEqual([]);
    expect([...pathsOf('APIG4'), ...pathsOf('SMG4')]).not.toContain(stack.node.path);
  });

  it('still report a finding the component does not acknowledge (a queue without TLS enforcement)', () => {
    const stack = defaultStack();
    new sqs.Queue(stack, 'UnsafeQueue', { encryption: sqs.QueueEncryption.SQS_MANAGED });

    const findings = unacknowledgedFindings(stack);

    expect(findings).toContain(`AwsSolutions-SQS4 at ${stack.stackName}/UnsafeQueue/Resource`);
    expect(findings.every((finding) => finding.endsWith('/UnsafeQueue/Resource'))).toBe(true);
  });
});
