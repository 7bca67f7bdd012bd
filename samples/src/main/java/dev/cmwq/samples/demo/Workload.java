package dev.cmwq.samples.demo;

import java.time.Duration;
import java.util.Random;

/**
 * The demo's mixed load: items arrive at a steady rate for a while; a seeded share of them
 * blocks in a plain {@code Thread.sleep} (a JDBC call nobody declared), the rest spin on the CPU.
 * Every scheduler gets the same items at the same positions: {@link #plan()} depends only on the
 * seed. Immutable.
 *
 * @param ratePerSecond items arriving per second
 * @param arrivals how long items keep arriving
 * @param blockingPercent share of items that block, in percent (at seeded random positions)
 * @param block how long a blocking item sleeps
 * @param spin how long a CPU item spins
 * @param seed the seed of {@link #plan()}
 */
public record Workload(
    int ratePerSecond, Duration arrivals, int blockingPercent, Duration block, Duration spin, long seed) {

  /** Validates the numbers. */
  public Workload {
    if (ratePerSecond < 1) {
      throw new IllegalArgumentException("ratePerSecond must be at least 1: " + ratePerSecond);
    }
    if (arrivals.isNegative() || arrivals.isZero()) {
      throw new IllegalArgumentException("arrivals must be positive: " + arrivals);
    }
    if (blockingPercent < 0 || blockingPercent > 100) {
      throw new IllegalArgumentException("blockingPercent must be 0..100: " + blockingPercent);
    }
  }

  /** Returns: how many items arrive in all. */
  public int items() {
    return (int) Math.max(1, ratePerSecond * arrivals.toNanos() / 1_000_000_000L);
  }

  /** Returns: the time between two arrivals, in nanoseconds. */
  public long intervalNanos() {
    return 1_000_000_000L / ratePerSecond;
  }

  /** Returns: for each item, whether it blocks; the same array for the same workload. */
  public boolean[] plan() {
    Random random = new Random(seed);
    boolean[] blocks = new boolean[items()];
    for (int i = 0; i < blocks.length; i++) {
      blocks[i] = random.nextInt(100) < blockingPercent;
    }
    return blocks;
  }

  /** Returns: threads kept busy sleeping, on average, by the arriving items (Little's law). */
  public double blockedThreadsNeeded() {
    return ratePerSecond * blockingPercent / 100.0 * block.toNanos() / 1e9;
  }

  /**
   * Runs one item: a plain {@code Thread.sleep} (undeclared blocking) if it blocks, otherwise a
   * CPU spin. An interrupt ends the sleep early and stays set, for the scheduler to see.
   */
  public void runItem(boolean blocks) {
    if (blocks) {
      try {
        Thread.sleep(block.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    } else {
      long end = System.nanoTime() + spin.toNanos();
      while (System.nanoTime() - end < 0) {
        Thread.onSpinWait();
      }
    }
  }
}
