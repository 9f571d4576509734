/**
 * Every command id CODI contributes. Kept free of `vscode` so a unit test can check it against
 * package.json; the handlers live in commands.ts.
 */
export const COMMAND_IDS = [
  'codi.explainSelection',
  'codi.summarizeSelection',
  'codi.summarizeFile',
  'codi.generateCode',
  'codi.acceptProposal',
  'codi.rejectProposal',
  'codi.setGeminiApiKey',
  'codi.clearGeminiApiKey',
  'codi.showTrace',
  'codi.refreshTraces',
  'codi.filterTraces',
  'codi.clearTracesFilter',
  'codi.markForReview',
  'codi.markReviewed',
  'codi.removeFromReview',
  'codi.refreshReview',
  'codi.showLog',
  'codi.openSettings',
  'codi.clearHistory',
  'codi.setOpikApiKey',
  'codi.enableOpikExport',
  'codi.disableOpikExport',
  'codi.syncOpikNow',
  'codi.openInOpik',
  'codi.copyTraceId',
  'codi.revealTraceCode',
  'codi.deleteTrace',
  'codi.openDashboard',
  'codi.groupTraces',
  'codi.runExperiment',
  'codi.openExperiment',
  'codi.compareExperiments',
  'codi.refreshExperiments',
  'codi.replayTrace',
  'codi.summarizeFiles',
] as const;

export type CommandId = (typeof COMMAND_IDS)[number];
