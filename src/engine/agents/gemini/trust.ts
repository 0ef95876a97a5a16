/**
 * Gemini CLI (0.61) asks whether to trust a folder only when `security.folderTrust.enabled` is on;
 * its environment variable `GEMINI_CLI_TRUST_WORKSPACE=true` trusts the working directory for
 * that run (checked before the trusted-folders file), so nothing is written.
 */
export const GEMINI_TRUST_ENV: Readonly<Record<string, string>> = { GEMINI_CLI_TRUST_WORKSPACE: 'true' };
