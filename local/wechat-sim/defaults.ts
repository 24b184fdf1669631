/**
 * Local TEST credentials shared by the simulator CLI and the local runtime. They are placeholders that only
 * this simulator accepts; never use them against WeChat.
 */

/** TEST component_appid of the simulated third-party platform. */
export const TEST_COMPONENT_APPID = 'wx0000000000000000';

/** TEST component_appsecret (32 hex characters like a real one). */
export const TEST_COMPONENT_APPSECRET = '00000000000000000000000000000000';

/** TEST message token used for push signatures. */
export const TEST_MESSAGE_TOKEN = 'localTestMessageToken';

/** TEST EncodingAESKey: 43 letters and digits, as WeChat generates them. */
export const TEST_ENCODING_AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

/** Port the CLI listens on when SIM_PORT is not set. */
export const DEFAULT_SIM_PORT = 3100;

/** Seconds between ticket pushes when SIM_TICKET_INTERVAL_S is not set (WeChat pushes every 10 minutes). */
export const DEFAULT_TICKET_INTERVAL_SEC = 600;

/** TEST authorizer_appid: the official account the simulator knows by default for H5 authorization (section 5). */
export const TEST_AUTHORIZER_APPID = 'wx1111111111111111';
