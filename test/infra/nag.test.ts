import { Validations, type PolicyViolation, type Stack } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { CDK_TIMEOUT_MS, customDomainStack, defaultStack, lambdaEgressStack } from './stacks';

/** The findings cdk-nag's own acknowledgement check leaves, as `rule at path` lines for a readable failure. */
function unacknowledgedFindings(stack: Stack): string[] {
  const report = new AwsSolutionsChecks().validateScope(stack);
  return report.violations.flatMap((violation: PolicyViolation) =>
    violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.constructPath ?? '?'}`),
  );
}

/** Every acknowledgement recorded in the stack: where, which rule, and why. */
function acknowledgements(stack: Stack): Array<{ path: string; id: string; reason: string }> {
  return stack.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({ path: construct.node.path, id, reason }))),
  );
}

const variants = [
  ['the default stack', defaultStack],
  ['the lambda-egress stack', lambdaEgressStack],
  ['the custom-domain stack with alarm e-mail', customDomainStack],
] as const;

describe('cdk-nag AwsSolutions checks', { timeout: CDK_TIMEOUT_MS }, () => {
  for (const [name, build] of variants) {
    it(`report no unacknowledged finding on ${name}`, () => {
      const stack = build();

      const findings = unacknowledgedFindings(stack);

      expect(findings).toEqual([]);
    });
  }

  it('acknowledge each finding with a reason of at least 40 characters', () => {
    for (const [name, build] of variants) {
      const acks = acknowledgements(build());

      expect(acks.filter(({ id }) => id.includes('AwsSolutions-')).length, name).toBeGreaterThanOrEqual(5);
      for (const { path, id, reason } of acks) expect(reason.trim().length, `${id} at ${path}`).toBeGreaterThanOrEqual(40);
    }
  });

  it('still report a finding the component does not acknowledge (a queue without TLS enforcement)', () => {
    const stack = defaultStack();
    new sqs.Queue(stack, 'UnsafeQueue', { encryption: sqs.QueueEncryption.SQS_MANAGED });

    const findings = unacknowledgedFindings(stack);

    expect(findings).toContain(`AwsSolutions-SQS4 at ${stack.stackName}/UnsafeQueue/Resource`);
    expect(findings.every((finding) => finding.endsWith('/UnsafeQueue/Resource'))).toBe(true);
  });
});
