/** A sample a check reports: small JSON-safe facts about one row, user or object. */
export type Sample = Record<string, unknown>;

/** How many items had one kind of problem (exact), with the first few as samples (capped). */
export class Tally {
  count = 0;
  samples: Sample[] = [];
  constructor(private readonly limit: number) {}
  add(sample: Sample) {
    this.count++;
    if (this.samples.length < this.limit) this.samples.push(sample);
  }
}
