import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { markdownTableAfter } from '../support/markdown-table';

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
