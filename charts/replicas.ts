/** How many pods run: a fixed count, or a HorizontalPodAutoscaler range. */
export abstract class Replicas {
  /** A fixed number of pods and no autoscaler. */
  static fixed(count: number): Replicas {
    return new FixedReplicas(count);
  }

  /** An autoscaler between `min` and `max` pods, scaling on CPU and memory utilization. */
  static autoscale(options: AutoscaleOptions): Replicas {
    return new AutoscaledReplicas(options);
  }

  /** The most pods that can run at once; a PodDisruptionBudget only makes sense above one. */
  abstract get maxPods(): number;
  /** The fewest pods that run when the workload is healthy. */
  abstract get minPods(): number;
}

/** Options of {@link Replicas.autoscale}. */
export interface AutoscaleOptions {
  /** The fewest pods; at least 2 in production so one can fail or drain. */
  readonly min: number;
  /** The most pods the autoscaler may run. */
  readonly max: number;
  /** @default 80 */
  readonly cpuUtilizationPercent?: number;
  /** @default 80 */
  readonly memoryUtilizationPercent?: number;
}

/** A fixed pod count: `Replicas.fixed(n)`. */
export class FixedReplicas extends Replicas {
  /** The number of pods. */
  readonly count: number;

  /** @param count - the number of pods, at least 1 */
  constructor(count: number) {
    super();
    this.count = count;
    if (!Number.isInteger(count) || count < 1) throw new Error(`Replicas.fixed(${count}): the count must be a whole number of at least 1`);
  }
  /** The fixed count. */
  get maxPods(): number {
    return this.count;
  }
  /** The fixed count. */
  get minPods(): number {
    return this.count;
  }
}

/** A HorizontalPodAutoscaler range: `Replicas.autoscale({ min, max })`. */
export class AutoscaledReplicas extends Replicas {
  /** The fewest pods. */
  readonly min: number;
  /** The most pods. */
  readonly max: number;
  /** Average CPU utilization (of requests) the autoscaler aims at, in percent. */
  readonly cpuUtilizationPercent: number;
  /** Average memory utilization (of requests) the autoscaler aims at, in percent. */
  readonly memoryUtilizationPercent: number;

  constructor(options: AutoscaleOptions) {
    super();
    this.min = options.min;
    this.max = options.max;
    this.cpuUtilizationPercent = options.cpuUtilizationPercent ?? 80;
    this.memoryUtilizationPercent = options.memoryUtilizationPercent ?? 80;
    if (!Number.isInteger(this.min) || this.min < 1) throw new Error(`Replicas.autoscale: min must be a whole number of at least 1 (got ${this.min})`);
    if (this.min > this.max) throw new Error(`Replicas.autoscale: min (${this.min}) must not exceed max (${this.max})`);
    for (const [name, value] of [
      ["cpuUtilizationPercent", this.cpuUtilizationPercent],
      ["memoryUtilizationPercent", this.memoryUtilizationPercent],
    ] as const) {
      if (!Number.isInteger(value) || value < 1 || value > 100) throw new Error(`Replicas.autoscale: ${name} must be 1 to 100 (got ${value})`);
    }
  }
  /** The autoscaler's maximum. */
  get maxPods(): number {
    return this.max;
  }
  /** The autoscaler's minimum. */
  get minPods(): number {
    return this.min;
  }
}
