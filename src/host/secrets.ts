import type * as vscode from 'vscode';

/** Every secret CODI keeps, under typed keys. Keys live only in SecretStorage. */
export type SecretKey = 'codi.geminiApiKey' | 'codi.opikApiKey';
const KEYS: readonly string[] = ['codi.geminiApiKey', 'codi.opikApiKey'];

export class Secrets {
  constructor(private readonly storage: vscode.SecretStorage) {}

  get(key: SecretKey): Thenable<string | undefined> {
    return this.storage.get(key);
  }

  set(key: SecretKey, value: string): Thenable<void> {
    return this.storage.store(key, value);
  }

  delete(key: SecretKey): Thenable<void> {
    return this.storage.delete(key);
  }

  /** Fires for changes made here and in other windows. */
  onDidChange(listener: (key: SecretKey) => void): vscode.Disposable {
    return this.storage.onDidChange((e) => {
      if (KEYS.includes(e.key)) listener(e.key as SecretKey);
    });
  }
}
