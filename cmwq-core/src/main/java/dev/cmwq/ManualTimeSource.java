package dev.cmwq;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongConsumer;

/**
 * A time source that moves only when told to, for tests of delayed work without waiting.
 *
 * <p>A runtime built on it runs no timer thread: {@link #advance(Duration)} fires, on the
 * calling thread, every delayed work item that is due, and returns once they are queued on
 * their workqueues (they then run on workers as usual; flush the workqueue or the item to wait
 * for them). Thread-safe: concurrent advances are serialised, so time never goes backwards.
 */
public final class ManualTimeSource implements TimeSource {

  private volatile long now; // written under this object's monitor
  private final CopyOnWriteArrayList<LongConsumer> listeners = new CopyOnWriteArrayList<>();

  /** A clock at 0. */
  public ManualTimeSource() {
    this(0);
  }

  /** A clock at {@code startNanos}; any value, including near {@link Long#MAX_VALUE}. */
  public ManualTimeSource(long startNanos) {
    this.now = startNanos;
  }

  @Override
  public long nanoTime() {
    return now;
  }

  /**
   * Moves the clock forward and fires what became due.
   *
   * @throws IllegalArgumentException if {@code by} is negative
   */
  public void advance(Duration by) {
    Objects.requireNonNull(by, "by");
    advanceNanos(by.toNanos());
  }

  /** As {@link #advance(Duration)}, in nanoseconds. */
  public synchronized void advanceNanos(long nanos) {
    if (nanos < 0) {
      throw new IllegalArgumentException("time cannot go backwards: " + nanos + " ns");
    }
    long t = now + nanos;
    now = t;
    for (LongConsumer l : listeners) {
      l.accept(t);
    }
  }

  /**
   * Registers {@code listener} to be called with the new time after every advance, on the
   * advancing thread. Runtimes use it to drive their timers.
   */
  public void onAdvance(LongConsumer listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }
}
