import { readFileSync } from 'node:fs';
import { Template } from 'aws-cdk-lib/assertions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { markdownTableAfter } from '../support/markdown-table';
import { actionsByPartition, CDK_TIMEOUT_MS, h5OAuthStack, roleIdOf, roleStatements } from './stacks';

const root = new URL('../../', import.meta.url);
const readme = readFileSync(new URL('README.md', root), 'utf8');

/** The members of an exported interface, read with the TypeScript parser, each with its @default tag if any. */
function interfaceMembers(file: string, name: string): Array<{ name: string; optional: boolean; hasDefault: boolean }> {
  const source = ts.createSourceFile(file, readFileSync(new URL(file, root), 'utf8'), ts.ScriptTarget.Latest, true);
  const found = source.statements.find((s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === name);
  if (!found) throw new Error(`no interface ${name} in ${file}`);
  return found.members.filter(ts.isPropertySignature).map((member) => ({
    name: member.name.getText(source),
    optional: member.questionToken !== undefined,
    hasDefault: ts.getJSDocTags(member).some((tag) => tag.tagName.text === 'default'),
  }));
}

describe('WechatComponent props documentation', () => {
  const props = interfaceMembers('infra/wechat-component-props.ts', 'WechatComponentProps');

  it('gives every optional prop a @default', () => {
    expect(props.length).toBeGreaterThan(10);
    for (const prop of props.filter((p) => p.optional)) expect(prop.hasDefault, prop.name).toBe(true);
  });

  it('lists every prop, and only those, in the README table of the construct', () => {
    const rows = markdownTableAfter(readme, '### The construct in your own CDK app');

    expect(rows.map((cells) => cells[0]).sort()).toEqual(props.map((p) => `\`${p.name}\``).sort());
  });
});

describe('README IAM role table', { timeout: CDK_TIMEOUT_MS }, () => {
  const TABLE_ACTION = '(?:GetItem|PutItem|UpdateItem|DeleteItem)';
  const PARTITION_LIST = new RegExp(`((?:\`[A-Z0-9_]+#[^\`]*\`(?:, )?)+): (${TABLE_ACTION}(?:, ${TABLE_ACTION})*)`, 'g');

  /** The partition prefixes and item actions a row names, e.g. `AUTHCODE#…#*`: GetItem, PutItem → AUTHCODE: GetItem, PutItem. */
  function documented(cell: string): Record<string, string[]> {
    const byPrefix: Record<string, string[]> = {};
    for (const [, partitions, actions] of cell.matchAll(PARTITION_LIST)) {
      for (const [, prefix] of partitions!.matchAll(/`([A-Z0-9_]+)#/g))
        byPrefix[prefix!] = actions!
          .split(', ')
          .map((a) => `dynamodb:${a}`)
          .sort();
    }
    // "the token reader's grant": GetItem on the component token.
    if (cell.includes('the token reader’s grant') || cell.includes("the token reader's grant")) byPrefix.TOKEN = ['dynamodb:GetItem'];
    return byPrefix;
  }

  /** The partition prefixes and item actions (not Query) a role is granted in the template. */
  function granted(t: Template, fn: lambda.IFunction): Record<string, string[]> {
    const byPrefix: Record<string, string[]> = {};
    for (const [pattern, actions] of Object.entries(actionsByPartition(roleStatements(t, roleIdOf(fn))))) {
      const itemActions = actions.filter((a) => a !== 'dynamodb:Query');
      if (itemActions.length > 0) byPrefix[pattern.split('#')[0]!] = itemActions;
    }
    return byPrefix;
  }

  it('names for each function’s role exactly the partitions and item actions the construct grants', () => {
    const stack = h5OAuthStack();
    const t = Template.fromStack(stack);
    const rows = new Map(markdownTableAfter(readme, '| role | partition: actions |').map((cells) => [cells[0]!, cells[1]!]));
    const c = stack.component;
    const roles: Array<[string, lambda.IFunction]> = [
      ['push receiver', c.pushReceiver],
      ['token refresher', c.tokenRefresher],
      ['authorizer worker', c.authorizerWorker],
      ['authorization page', c.authorizationPage],
      ['h5-oauth', c.h5OAuth!.function],
    ];

    for (const [role, fn] of roles) {
      expect(rows.has(role), role).toBe(true);
      expect(documented(rows.get(role)!), role).toEqual(granted(t, fn));
    }
  });
});

describe('README alarms table', { timeout: CDK_TIMEOUT_MS }, () => {
  it('lists every alarm the construct creates, and only those', () => {
    const stack = h5OAuthStack();
    const ids = Object.keys(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm'));

    const names = markdownTableAfter(readme, '### Alarms').map((cells) => cells[0]!.replace(/ \(.*\)$/, ''));

    // Alarm ids are ComponentAlarms{Name}{hash}.
    expect(names.sort()).toEqual(ids.map((id) => /^ComponentAlarms([A-Za-z0-9]+?)[0-9A-F]{8}$/.exec(id)![1]).sort());
  });
});
