package dev.cmwq;

/**
 * Where a {@link WorkqueueRuntime} reads time: delayed work is armed and fires against it.
 *
 * <p>{@link #system()} is {@link System#nanoTime()}; {@link ManualTimeSource} is advanced by
 * hand, for deterministic tests. Values are nanoseconds on an arbitrary origin and may wrap:
 * compare them as {@code a - b < 0}, never {@code a < b}.
 */
@FunctionalInterface
public interface TimeSource {

  /** Returns: the current time in nanoseconds. Must never go backwards. */
  long nanoTime();

  /** Returns: the system's monotonic clock, {@link System#nanoTime()}. */
  static TimeSource system() {
    return System::nanoTime;
  }
}
