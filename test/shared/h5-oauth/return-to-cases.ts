/**
 * return_to cases shared by the unit test of matchReturnTo and the HTTP-level test of /h5-oauth/start. Allowed:
 * https://h5.example.com/app/.
 */

/** Return addresses that would send a user somewhere else, or that a browser might read differently from our parser. */
export const OPEN_REDIRECTS: ReadonlyArray<[string, string]> = [
  ['another origin', 'https://evil.example/app/'],
  ['a protocol-relative URL', '//evil.example'],
  ['a protocol-relative URL to our own host', '//h5.example.com/app/'],
  ['a slash-backslash URL', '/\\evil.example'],
  ['a backslash authority', 'https:\\\\evil.example/app/'],
  ['a backslash inside the path', 'https://h5.example.com/app/\\evil.example'],
  ['a scheme without slashes', 'https:evil'],
  ['a scheme without slashes to our own host', 'https:h5.example.com/app/'],
  ['credentials naming our host', 'https://h5.example.com@evil.example/app/'],
  ['credentials on our host', 'https://user:pass@h5.example.com/app/'],
  ['a lookalike subdomain', 'https://h5.example.com.evil.example/app/'],
  ['a trailing-dot host', 'https://h5.example.com./app/'],
  ['another port', 'https://h5.example.com:8443/app/'],
  ['a path prefix without a segment boundary', 'https://h5.example.com/appx/'],
  ['a path outside the prefix', 'https://h5.example.com/admin/'],
  ['dot-dot out of the prefix', 'https://h5.example.com/app/../admin'],
  ['encoded dot-dot out of the prefix', 'https://h5.example.com/app/%2e%2e/admin'],
  ['an encoded protocol-relative URL', '%2F%2Fevil'],
  ['an encoded slash and dot-dot in the path', 'https://h5.example.com/app/%2F..%2Fx'],
  ['an encoded backslash in the path', 'https://h5.example.com/app/%5cevil'],
  ['an encoded slash in the host', 'https://h5.example.com%2F@evil.example/app/'],
  ['a tab inside', 'https://h5.example.com/app/\tx'],
  ['a tab inside the scheme', 'ht\ttps://evil.example/app/'],
  ['a newline inside', 'https://h5.example.com/app/\nx'],
  ['a carriage return inside', 'https://h5.example.com/app/\r\nSet-Cookie:x=y'],
  ['a space inside', 'https://h5.example.com/app/ x'],
  ['a leading space', ' https://h5.example.com/app/'],
  ['a NUL byte', 'https://h5.example.com/app/\u0000'],
  ['an encoded newline', 'https://h5.example.com/app/?x=%0d%0aSet-Cookie:x'],
  ['javascript:', 'javascript:alert(document.cookie)'],
  ['JavaScript: with a comment that names our origin', 'JaVaScRiPt:alert(1)//https://h5.example.com/app/'],
  ['data:', 'data:text/html,<script>alert(1)</script>'],
  ['DATA: in capitals', 'DATA:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=='],
  ['http:// when https is allowed', 'http://h5.example.com/app/'],
  ['HTTP:// in capitals when https is allowed', 'HTTP://h5.example.com/app/'],
  ['an ftp URL', 'ftp://h5.example.com/app/'],
  ['a relative path', '/app/'],
  ['a bare host', 'h5.example.com/app/'],
  ['an empty string', ''],
  ['a very long URL', `https://h5.example.com/app/?x=${'a'.repeat(2100)}`],
];

/** Legitimate return addresses, with what they normalize to. */
export const LEGITIMATE: ReadonlyArray<[string, string]> = [
  ['https://h5.example.com/app/', 'https://h5.example.com/app/'],
  ['https://h5.example.com/app', 'https://h5.example.com/app'],
  [
    'https://h5.example.com/app/orders/42?tab=paid&from=menu#/detail?x=1',
    'https://h5.example.com/app/orders/42?tab=paid&from=menu#/detail?x=1',
  ],
  ['https://h5.example.com/app/?next=%2Fapp%2Fcart', 'https://h5.example.com/app/?next=%2Fapp%2Fcart'],
  ['https://h5.example.com/app/#%2F%5C', 'https://h5.example.com/app/#%2F%5C'],
  ['https://H5.Example.COM/app/', 'https://h5.example.com/app/'],
  ['HTTPS://h5.example.com/app/', 'https://h5.example.com/app/'],
  ['https://h5.example.com:443/app/', 'https://h5.example.com/app/'],
  ['https://h5.example.com/app/./page', 'https://h5.example.com/app/page'],
];
