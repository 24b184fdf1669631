/**
 * How large a push to the authorization event URL may be, derived from what WeChat documents for that URL
 * (Open Platform, third-party platform 2.0): component_verify_ticket (验证票据), authorized / updateauthorized /
 * unauthorized (授权变更通知推送), and the registration results such as notify_third_fasteregister (快速注册企业/个人小程序
 * 注册审核事件推送) and the trial mini program ones, whose nested <info> holds a company name, codes, a legal person's
 * name and WeChat id and a phone number. The largest of these is under 1 KiB decrypted even with long Chinese names.
 *
 * The cap allows a decrypted message four times that, and what encryption adds around it (docs/wechat-protocol.md
 * §2), then rounds up to a power of two:
 *
 *   16 random bytes + 4 length bytes + 4096 message + 18 appid      = 4134 bytes
 *   PKCS#7 padding to a multiple of 32                              = 4160 bytes
 *   base64 (4 characters per 3 bytes)                               = 5548 bytes
 *   outer XML: <xml>, AppId in CDATA, Encrypt in CDATA, a <?xml?>
 *   declaration and line breaks, generously                         + 512 bytes  = 6060 bytes  -> 8 KiB
 *
 * Anything larger is not a push WeChat sends here, and a smaller cap bounds what a junk body can cost.
 */
export const MAX_PUSH_MESSAGE_BYTES = 4096;

const RANDOM_BYTES = 16;
const LENGTH_BYTES = 4;
const APPID_BYTES = 18; // "wx" + 16 characters
const PAD_BLOCK = 32;
const OUTER_XML_ALLOWANCE_BYTES = 512;

const encryptedBytes = Math.ceil((RANDOM_BYTES + LENGTH_BYTES + MAX_PUSH_MESSAGE_BYTES + APPID_BYTES + 1) / PAD_BLOCK) * PAD_BLOCK;

/** The smallest body that still carries a MAX_PUSH_MESSAGE_BYTES message (6060). */
export const MIN_PUSH_BODY_CAP_BYTES = Math.ceil(encryptedBytes / 3) * 4 + OUTER_XML_ALLOWANCE_BYTES;

/** The receiver's body cap in bytes: MIN_PUSH_BODY_CAP_BYTES rounded up to a power of two (8 KiB). */
export const MAX_PUSH_BODY_BYTES: number = 2 ** Math.ceil(Math.log2(MIN_PUSH_BODY_CAP_BYTES));
