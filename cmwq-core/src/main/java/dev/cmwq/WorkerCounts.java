package dev.cmwq;

/**
 * A runtime's pool workers by what they do now (rescuers and the timer excluded). A snapshot,
 * consistent per pool.
 *
 * @param idle waiting for work
 * @param running inside a work item and counted by concurrency management (every busy worker of
 *     an unbound pool counts here)
 * @param blocked inside a work item but asleep: declared through {@link Workqueues#blocking} or
 *     detected by the runtime's sampler
 */
public record WorkerCounts(int idle, int running, int blocked) {

  /** Returns: all of them. */
  public int total() {
    return idle + running + blocked;
  }
}
