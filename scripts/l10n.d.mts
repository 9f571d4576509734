// Types for scripts/l10n.mjs, so the unit test can use it strictly.
export type BundleEntry = string | { message: string; comment: string[] };
export const bundlePath: string;
export const deferred: Set<string>;
export function extract(dir?: string): { bundle: Record<string, BundleEntry>; problems: string[]; deferredProblems: string[] };
export function bundleText(bundle: Record<string, unknown>): string;
