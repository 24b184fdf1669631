import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PRICES } from '../bench/authorizer-day/cost-model';
import { AUTHORIZER_TOKEN_ERRCODES } from '../shared/authorizer/authorizer-errcode-policy';
import { ENV } from '../shared/contract';
import { COMPONENT_TOKEN_ERRCODES } from '../shared/token/errcode-policy';
import { markdownTableAfter } from './support/markdown-table';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

const tableAfter = (heading: string) => markdownTableAfter(readme, heading);

describe('README', () => {
  /** The row of `table` whose first cell lists `code`. */
  const errcodeRow = (table: string[][], code: string) =>
    table.find((cells) =>
      cells[0]!
        .split(',')
        .map((c) => c.trim())
        .includes(code),
    );

  it('documents every errcode of the refresher policy with the action the code takes', () => {
    const rows = tableAfter('## Errcode policy');

    for (const [code, policy] of Object.entries(COMPONENT_TOKEN_ERRCODES)) {
      const row = errcodeRow(rows, code);
      expect(row, `errcode ${code} has a row`).toBeDefined();
      expect(row![2]!.startsWith(policy.action === 'config' ? 'config' : policy.action), `errcode ${code} action`).toBe(true);
    }
  });

  it('documents every errcode of the authorizer policy, and no other, with the action the code takes', () => {
    const rows = tableAfter('### Authorizer errcodes');

    for (const [code, policy] of Object.entries(AUTHORIZER_TOKEN_ERRCODES)) {
      const row = errcodeRow(rows, code);
      expect(row, `errcode ${code} has a row`).toBeDefined();
      expect(row![1], `errcode ${code} meaning`).toBe(policy.meaning);
      expect(row![2]!.startsWith(`${policy.action}:`), `errcode ${code} action`).toBe(true);
    }
    expect(rows.flatMap((cells) => cells[0]!.split(',').map((c) => c.trim())).sort()).toEqual(
      Object.keys(AUTHORIZER_TOKEN_ERRCODES).sort(),
    );
  });

  it('documents every environment variable the functions read', () => {
    const rows = tableAfter('## Configuration');

    for (const name of Object.values(ENV))
      expect(
        rows.some((cells) => cells[0] === `\`${name}\``),
        name,
      ).toBe(true);
  });

  it('shows, verbatim, the consumer app files the consumer test compiles, and no other code importing the package', () => {
    const files = ['lib/wechat-stack.ts', 'lambda/token-reader.ts', 'lambda/authorizer-token-reader.ts'];
    const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);

    for (const file of files) expect(blocks, file).toContain(readFileSync(new URL(`consumer-app/${file}`, import.meta.url), 'utf8'));
    expect(blocks.filter((block) => block.includes("from 'wechat-component-aws/"))).toHaveLength(files.length);
  });

  it('states the prices of the cost model, each with its constant, and the region and date they are from', () => {
    const rows = tableAfter('Prices (us-east-1 list prices');
    const { region, asOf, ...numbers } = PRICES;

    for (const [name, value] of Object.entries(numbers)) {
      const row = rows.find((cells) => cells[2] === `\`${name}\``);
      expect(row, name).toBeDefined();
      expect(Number(row![1]), name).toBe(value);
    }
    expect(rows).toHaveLength(Object.keys(numbers).length);
    expect(readme).toContain(`Prices (${region} list prices without free tiers, as of ${asOf}`);
  });

  it('gives the two commands a newcomer runs', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm ci && npm test');
  });
});
