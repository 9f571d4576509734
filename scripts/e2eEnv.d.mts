// Types for scripts/e2eEnv.mjs, so the TypeScript UI tests (test/e2e/ui/*.ts) can use it strictly.
export const root: string;
export const cacheDir: string;
export const NODE24_VERSION: string;
export const CODE_SERVER_VERSION: string;
export const node24Dir: string;
export const node24: string;
export const codeServerPrefix: string;
export const codeServerEntry: string;
export const chromiumPath: string;
export const chromiumArgs: string[];
export const baseUserSettings: Record<string, unknown>;

export interface CodeServer {
  url: string;
  port: number;
  pid: number | undefined;
  logFile: string;
  userDataDir: string;
  extensionsDir: string;
  /** Resolves with the exit code when code-server ends (by stop() or on its own). */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

export interface StartCodeServerOptions {
  runDir: string;
  folder: string;
  port?: number;
  settings?: Record<string, unknown>;
  vsix?: string;
  userDataDir?: string;
  extensionsDir?: string;
  extraArgs?: string[];
  quiet?: boolean;
  /** Keep VS Code's workspace trust on (default: started with --disable-workspace-trust). */
  workspaceTrust?: boolean;
}

export function log(msg: string): void;
export function ensureChromium(): string;
export function ensureEnv(): Promise<{ node24: string; codeServerEntry: string; chromiumPath: string }>;
export function freePort(preferred?: number): Promise<number>;
export function makeRunDir(name: string): string;
export function copySampleWorkspace(runDir: string, settings?: Record<string, unknown>): string;
export function writeUserSettings(userDataDir: string, extra?: Record<string, unknown>): void;
export function isolatedEnv(runDir: string): NodeJS.ProcessEnv;
export function installVsix(runDir: string, vsix: string, userDataDir?: string, extensionsDir?: string): void;
export function startCodeServer(o: StartCodeServerOptions): Promise<CodeServer>;
export function startGeminiStandInProcess(): Promise<{ url: string; stop(): Promise<void> }>;
export function startCaptureServer(label: string): Promise<{ url: string; label: string; requests: { method: string; url: string; headers: Record<string, unknown> }[]; close(): Promise<void> }>;
export const baseUserSettings: Record<string, unknown>;
export const E2E_OPIK_KEY: string;
export const E2E_OPIK_WORKSPACE: string;
export function startOpikStandInProcess(): Promise<{ url: string; controlUrl: string; stop(): Promise<void> }>;
