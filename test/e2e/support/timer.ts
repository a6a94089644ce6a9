/** Times the steps of an end-to-end suite and logs each one as it ends, under the suite's tag. */
export interface StepTimer {
  /** Milliseconds per step label, for the suite's closing summary. */
  readonly timings: Record<string, number>;
  /** Runs `fn`, records and logs how long it took (also when it throws). */
  timed<T>(label: string, fn: () => Promise<T>): Promise<T>;
}

export function stepTimer(tag: string, format: (ms: number) => string = (ms) => `${ms} ms`): StepTimer {
  const timings: Record<string, number> = {};
  return {
    timings,
    async timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
      const start = performance.now();
      try {
        return await fn();
      } finally {
        timings[label] = Math.round(performance.now() - start);
        console.log(`[${tag}] ${label}: ${format(timings[label])}`);
      }
    },
  };
}
