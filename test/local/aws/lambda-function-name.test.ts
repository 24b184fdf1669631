import { describe, expect, it } from 'vitest';
import { parseFunctionName } from '../../../local/aws/lambda-function-name';

const SCOPE = { region: 'us-east-1', accountId: '000000000000' };

describe('parseFunctionName', () => {
  it.each([
    ['fn', null, { name: 'fn', qualifier: undefined }],
    ['fn:live', null, { name: 'fn', qualifier: 'live' }],
    ['fn', '$LATEST', { name: 'fn', qualifier: '$LATEST' }],
    ['fn:live', 'other', { name: 'fn', qualifier: 'live' }],
    ['arn:aws:lambda:us-east-1:000000000000:function:fn', null, { name: 'fn', qualifier: undefined }],
    ['arn:aws:lambda:us-east-1:000000000000:function:fn:7', null, { name: 'fn', qualifier: '7' }],
    ['000000000000:function:fn', null, { name: 'fn', qualifier: undefined }],
  ])('reads %s (query qualifier %s)', (raw, queryQualifier, expected) => {
    const parsed = parseFunctionName(raw, queryQualifier, SCOPE);

    expect(parsed).toEqual(expected);
  });

  it.each([
    ['an ARN in another region', 'arn:aws:lambda:eu-west-1:000000000000:function:fn'],
    ['an ARN in another account', 'arn:aws:lambda:us-east-1:123456789012:function:fn'],
    ['a partial ARN in another account', '123456789012:function:fn'],
    ['a name with two qualifiers', 'fn:a:b'],
  ])('rejects %s by resolving to no name', (_label, raw) => {
    const parsed = parseFunctionName(raw, null, SCOPE);

    expect(parsed.name).toBe('');
  });
});
