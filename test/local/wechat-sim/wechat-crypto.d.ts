/** Types for the untyped npm `wechat-crypto` 0.0.2, used only as an independent oracle in the tests. */
declare module 'wechat-crypto' {
  export default class WXBizMsgCrypt {
    constructor(token: string, encodingAESKey: string, id: string);
    getSignature(timestamp: string, nonce: string, encrypt: string): string;
    encrypt(text: string): string;
    decrypt(text: string): { message: string; id: string };
  }
}
