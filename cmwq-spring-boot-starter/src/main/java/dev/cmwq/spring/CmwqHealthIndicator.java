package dev.cmwq.spring;

import dev.cmwq.TimeSource;
import dev.cmwq.WorkerCounts;
import dev.cmwq.WorkqueueRuntime;
import java.time.Duration;
import java.util.Objects;
import java.util.function.LongSupplier;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Health of a {@link WorkqueueRuntime}: DOWN while a worker pool is stalled past the watchdog
 * threshold, UP otherwise.
 *
 * <h2>The rule</h2>
 *
 * The core's watchdog counts a lockup ({@link WorkqueueRuntime#watchdogLockups()}) each time a
 * pool's worklist has not moved for the threshold, and again after every further threshold while
 * it stays stuck. So a pool is taken as stalled while the count has grown within the last
 * <em>two</em> thresholds (one for the next report to come, one for the sampler's slack); once it
 * stops growing for that long the pool has moved and the health is UP again. The indicator sees
 * the count only when asked, so the window runs from the check that first saw it grow: poll
 * health more often than the threshold (the default threshold is 30 s) for a timely UP. With the
 * watchdog off (threshold 0) it is always UP.
 *
 * <p>Details: {@code lockups} (the count), {@code watchdogThreshold}, and the workers by state.
 * Time is read from the runtime's time source. Thread-safe.
 */
// intended: types of optional modules (WebFlux, actuator, health, JSpecify) and package-private
// helpers named in annotations appear in this class's signature
@SuppressWarnings("exports")
public final class CmwqHealthIndicator implements HealthIndicator {

  private final WorkqueueRuntime runtime; // I
  private final Duration threshold; // I
  private final long windowNanos; // I: two thresholds
  private final LongSupplier lockupCount; // I: the runtime's, or a test's stand-in
  private final TimeSource clock; // I: the runtime's, or a test's stand-in

  // guarded by this: the count last seen, and when it was first seen at that value after growing
  private long seenLockups;
  private long grewAtNanos;
  private boolean grew;

  /** A health indicator for {@code runtime}, with the watchdog threshold it was built with. */
  public CmwqHealthIndicator(WorkqueueRuntime runtime) {
    this(runtime, Objects.requireNonNull(runtime, "runtime").watchdogThreshold());
  }

  /**
   * A health indicator for {@code runtime} that takes {@code threshold} as its watchdog threshold
   * (normally {@link WorkqueueRuntime#watchdogThreshold()}: see the one-argument constructor).
   */
  public CmwqHealthIndicator(WorkqueueRuntime runtime, Duration threshold) {
    this(runtime, threshold, runtime::watchdogLockups, runtime.timeSource());
  }

  /** As the public constructor, with the lockup count and the clock given (tests). */
  CmwqHealthIndicator(WorkqueueRuntime runtime, Duration threshold, LongSupplier lockupCount, TimeSource clock) {
    this.runtime = Objects.requireNonNull(runtime, "runtime");
    this.threshold = Objects.requireNonNull(threshold, "threshold");
    this.lockupCount = Objects.requireNonNull(lockupCount, "lockupCount");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.windowNanos = threshold.isZero() ? 0 : saturatedDouble(threshold.toNanos());
    this.seenLockups = lockupCount.getAsLong(); // what happened before we looked is history
  }

  private static long saturatedDouble(long nanos) {
    return nanos > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : nanos * 2;
  }

  @Override
  public Health health() {
    long lockups = lockupCount.getAsLong();
    long now = clock.nanoTime();
    boolean stalled;
    synchronized (this) {
      if (lockups != seenLockups) {
        seenLockups = lockups;
        grewAtNanos = now;
        grew = true;
      }
      stalled = grew && windowNanos > 0 && now - grewAtNanos < windowNanos;
    }
    WorkerCounts w = runtime.workers();
    Health.Builder b = stalled ? Health.down() : Health.up();
    if (runtime.isShutdown()) {
      b = Health.outOfService();
    }
    return b.withDetail("lockups", lockups)
        .withDetail("watchdogThreshold", threshold.toString())
        .withDetail("stalled", stalled)
        .withDetail("workers", new Workers(w.idle(), w.running(), w.blocked()))
        .build();
  }

  /**
   * The pool workers by state, as in {@link WorkerCounts}.
   *
   * @param idle waiting for work
   * @param running inside a work item, counted by concurrency management
   * @param blocked inside a work item but asleep
   */
  public record Workers(int idle, int running, int blocked) {}
}
