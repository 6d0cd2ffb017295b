/**
 * One JSON document on disk read through lowdb: how an older data folder's `connections.json` and
 * `settings.json` are read once for their import into SQLite (documents.ts). A file that exists but is not
 * valid JSON, or not of the expected shape, stops start-up with a StorageError naming it, and is left as it is.
 */
import { existsSync } from 'node:fs';
import { Low } from 'lowdb';
import { JSONFile } from 'lowdb/node';
import { StorageError } from '../../errors.ts';

export class JsonDocument<T extends object> {
  private constructor(
    private readonly low: Low<T>,
    readonly file: string,
  ) {}

  static async open<T extends object>(
    file: string,
    defaults: T,
    validate: (data: unknown) => data is T,
  ): Promise<JsonDocument<T>> {
    // JSONFile, not JSONFilePreset: the preset silently switches to memory when NODE_ENV=test (NOTES.md).
    const low = new Low<T>(new JSONFile<T>(file), structuredClone(defaults));
    if (existsSync(file)) {
      try {
        await low.read();
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new StorageError(
          file,
          `${file} is not valid JSON (${reason}); it was left untouched. Restore it from a backup or fix it, then start again.`,
        );
      }
      if (low.data === null || !validate(low.data)) {
        throw new StorageError(
          file,
          `${file} does not have the expected shape; it was left untouched. Restore it from a backup or fix it, then start again.`,
        );
      }
    }
    return new JsonDocument(low, file);
  }

  get data(): Readonly<T> {
    return this.low.data;
  }
}
