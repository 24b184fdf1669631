/** Settings for an explicitly configured SDK v3 client pointed at a local stand-in. */
export interface AwsClientConfig {
  region: string;
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

/** Fake credentials: the stand-ins do not check SigV4, but the SDK refuses to sign without some. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'AKIALOCALSTANDIN0000', secretAccessKey: 'local-standin-not-a-secret' } as const;

/** Builds the client settings for one endpoint. */
export function buildClientConfig(region: string, endpoint: string): AwsClientConfig {
  return { region, endpoint, credentials: { ...LOCAL_CREDENTIALS } };
}
