/**
 * The last status report, kept while the store's status version stays the same. The version is bumped by
 * the store on every write that can change the report, in whichever process writes (the CLI, another
 * worker), so a kept report is never stale; reading the version costs one indexed row instead of the
 * report's queries over every connection's runs. Only `generatedAt` is new on each answer.
 */
import type { Store } from '../store/types.ts';
import type { StatusReport } from './status.ts';

export class StatusCache {
  private kept: { readonly version: number; readonly report: StatusReport } | null = null;
  private building: { readonly version: number; readonly report: Promise<StatusReport> } | null = null;

  constructor(
    private readonly store: Store,
    private readonly build: () => Promise<StatusReport>,
    private readonly now: () => Date,
  ) {}

  async report(): Promise<StatusReport> {
    const version = await this.store.statusVersion();
    if (this.kept?.version === version) return { ...this.kept.report, generatedAt: this.now() };
    // Requests arriving while the report for this version is being built share that one build.
    if (this.building?.version !== version) {
      const building = { version, report: this.build() };
      this.building = building;
      building.report.then(
        (report) => {
          // A build that started before a newer one keeps nothing: its version is already old.
          if (this.building === building) {
            this.kept = { version, report };
            this.building = null;
          }
        },
        () => {
          if (this.building === building) this.building = null;
        },
      );
    }
    return this.building.report;
  }
}
