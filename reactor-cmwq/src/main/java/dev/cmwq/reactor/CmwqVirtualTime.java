package dev.cmwq.reactor;

import dev.cmwq.ManualTimeSource;
import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueRuntime;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import org.jspecify.annotations.Nullable;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * Virtual time for cmwq schedulers: a {@link WorkqueueRuntime} on a {@link ManualTimeSource},
 * schedulers on it, and a {@link VirtualTimeScheduler} for
 * {@code StepVerifier.withVirtualTime} whose {@code thenAwait(Duration)} and
 * {@code expectNoEvent(Duration)} move cmwq's timer wheel too. Needs {@code reactor-test} (an
 * optional dependency of reactor-cmwq). For tests only.
 *
 * <pre>{@code
 * try (CmwqVirtualTime vt = CmwqVirtualTime.create()) {
 *   WorkqueueScheduler s = vt.bound();
 *   StepVerifier.withVirtualTime(() -> Flux.interval(Duration.ofHours(1), s).take(2),
 *           vt::virtualTimeScheduler, Long.MAX_VALUE)
 *       .expectSubscription()
 *       .expectNoEvent(Duration.ofHours(1).minusNanos(1))
 *       .thenAwait(Duration.ofNanos(1)).expectNext(0L)
 *       .thenAwait(Duration.ofHours(1)).expectNext(1L)
 *       .verifyComplete();
 * }
 * }</pre>
 *
 * <h2>How time moves</h2>
 *
 * {@link #advanceTimeBy(Duration)} (and the virtual-time scheduler's, which StepVerifier calls)
 * moves the clock from expiry to expiry of the runtime's timer
 * ({@link WorkqueueRuntime#nextTimerExpiry()}), in order, up to the target: at each one the due
 * work items are queued on their workqueues and it waits until the runtime is at rest
 * ({@link WorkqueueRuntime#isIdle()}: nothing queued or running; timers may stay armed) before it
 * goes on. So a chain of delays inside one advance fires as it would in real time, and when the
 * call returns everything that was due has run. The clock starts at 0.
 *
 * <p>The {@link VirtualTimeScheduler} itself keeps Reactor's behaviour: inside
 * {@code withVirtualTime}, {@code Schedulers.parallel()} and the other defaults are that
 * scheduler (Reactor's {@code VirtualTimeWorker} is final, so it cannot be a cmwq strand), and
 * its tasks run on the advancing thread. It advances in the same steps as cmwq's clock, after
 * it: within one step, cmwq's timers fire before Reactor's virtual tasks of the same step, and a
 * cmwq delay that one of Reactor's virtual tasks arms starts at the end of the step (late, never
 * early). Advance in steps that end at Reactor's deadlines when the two interleave. Pass a
 * scheduler of this object explicitly ({@code Mono.delay(d, vt.bound())}) to run on cmwq.
 *
 * <p>Thread-safety: advances are serialised. Call them from the test's thread, never from a
 * task on this runtime (it would wait for itself to come to rest).
 */
public final class CmwqVirtualTime implements AutoCloseable {

  private static final AtomicInteger SEQ = new AtomicInteger();
  private static final Duration REST_TIMEOUT = Duration.ofSeconds(10);

  private final ManualTimeSource clock = new ManualTimeSource(0); // I
  private final WorkqueueRuntime runtime; // I
  /** The schedulers made here, disposed by {@link #close()} before the runtime shuts down. */
  private final java.util.Queue<WorkqueueScheduler> made = new java.util.concurrent.ConcurrentLinkedQueue<>();

  private CmwqVirtualTime(WorkqueueRuntime.Builder builder) {
    this.runtime = builder.timeSource(clock).build();
  }

  /**
   * Returns: a virtual-time runtime with 2 CPU slots and worker names starting with
   * {@code kworker-vt<n>/}. Close it after the test.
   */
  public static CmwqVirtualTime create() {
    return create(b -> {});
  }

  /**
   * Returns: a virtual-time runtime configured by {@code customizer} (its time source is
   * replaced by the manual clock).
   */
  public static CmwqVirtualTime create(Consumer<WorkqueueRuntime.Builder> customizer) {
    Objects.requireNonNull(customizer, "customizer");
    WorkqueueRuntime.Builder b =
        WorkqueueRuntime.builder().cpus(2).threadNamePrefix("kworker-vt" + SEQ.incrementAndGet() + "/");
    customizer.accept(b);
    return new CmwqVirtualTime(b);
  }

  /** Returns: the runtime, on the manual clock. */
  public WorkqueueRuntime runtime() {
    return runtime;
  }

  /** Returns: the manual clock. Advance through this object, not the clock, to keep the steps. */
  public ManualTimeSource clock() {
    return clock;
  }

  /** Returns: a new scheduler over the runtime's {@code events} workqueue, on virtual time. */
  public WorkqueueScheduler bound() {
    return fromWorkqueue(runtime.systemWq(), SchedulerOptions.defaults());
  }

  /** Returns: a new scheduler over the runtime's {@code events_highpri} workqueue, on virtual time. */
  public WorkqueueScheduler highpri() {
    return fromWorkqueue(runtime.systemHighpriWq(), SchedulerOptions.defaults());
  }

  /** Returns: a new scheduler over the runtime's {@code events_unbound} workqueue, on virtual time. */
  public WorkqueueScheduler unbound() {
    return fromWorkqueue(runtime.systemUnboundWq(), SchedulerOptions.defaults());
  }

  /** Returns: a new scheduler owning a new ordered workqueue on the runtime, on virtual time. */
  public WorkqueueScheduler newOrdered(String name) {
    Workqueue wq = Workqueue.builder(name).ordered().runtime(runtime).build();
    return fromWorkqueue(wq, SchedulerOptions.defaults().withOwnsWorkqueue(true));
  }

  /**
   * Returns: a new scheduler over {@code wq}, on virtual time.
   *
   * @throws IllegalArgumentException if {@code wq} is not on this object's runtime
   */
  public WorkqueueScheduler fromWorkqueue(Workqueue wq, SchedulerOptions options) {
    if (wq.runtime() != runtime) {
      throw new IllegalArgumentException("the workqueue is not on this virtual-time runtime: " + wq);
    }
    WorkqueueScheduler s = CmwqSchedulers.fromWorkqueue(wq, options);
    made.add(s);
    return s;
  }

  /**
   * Returns: a new {@link VirtualTimeScheduler} tied to this clock, for
   * {@code StepVerifier.withVirtualTime(scenario, vt::virtualTimeScheduler, n)}. StepVerifier
   * disposes it after each verification, so pass the method reference, not one instance.
   */
  @SuppressWarnings("exports") // reactor-test is optional: whoever calls this has it
  public VirtualTimeScheduler virtualTimeScheduler() {
    return new CmwqVirtualTimeScheduler(this);
  }

  /**
   * Moves the clock forward by {@code by}, deadline by deadline, and returns once everything
   * that became due has run (see the class comment).
   *
   * @throws IllegalArgumentException if {@code by} is negative
   * @throws IllegalStateException if the runtime does not come to rest within 10 s of real time
   */
  public void advanceTimeBy(Duration by) {
    advance(by, null);
  }

  /** Runs what is due now and waits until the runtime is at rest. */
  public void advanceTime() {
    advance(Duration.ZERO, null);
  }

  /** Returns: the virtual time elapsed since the start. */
  public Duration now() {
    return Duration.ofNanos(clock.nanoTime());
  }

  synchronized void advance(Duration by, @Nullable LongConsumer alsoStep) {
    Objects.requireNonNull(by, "by");
    if (by.isNegative()) {
      throw new IllegalArgumentException("time cannot go backwards: " + by);
    }
    long now = clock.nanoTime();
    long target = now + saturatedNanos(by);
    settle(alsoStep);
    for (;;) {
      OptionalLong next = runtime.nextTimerExpiry(); // exact at level 0, else where a bucket cascades
      // as differences from now: a deadline far ahead may have wrapped past Long.MAX_VALUE
      if (next.isEmpty() || next.getAsLong() - now > target - now) {
        break;
      }
      // arming never puts a deadline at or before the clock; if one were, a step of 0 fires it
      long gap = Math.max(0, next.getAsLong() - now);
      step(gap, alsoStep);
      now += gap;
      settle(alsoStep);
    }
    if (target > now) {
      step(target - now, alsoStep);
    }
    settle(alsoStep);
  }

  /**
   * cmwq's clock first, then Reactor's virtual-time scheduler: a cmwq delay armed by a task that
   * Reactor's scheduler runs during the step then starts at the end of the step, late rather
   * than early.
   */
  private void step(long nanos, @Nullable LongConsumer alsoStep) {
    clock.advanceNanos(nanos);
    if (alsoStep != null) {
      awaitRest();
      alsoStep.accept(nanos);
    }
  }

  /** Waits for rest; lets the virtual-time scheduler run what cmwq tasks gave it; again. */
  private void settle(@Nullable LongConsumer alsoStep) {
    awaitRest();
    if (alsoStep != null) {
      alsoStep.accept(0);
      awaitRest();
    }
  }

  /**
   * Waits until nothing is queued or running on the runtime (armed timers do not count), seen
   * twice in a row.
   *
   * @throws IllegalStateException after 10 s of real time
   */
  public void awaitRest() {
    long deadline = System.nanoTime() + REST_TIMEOUT.toNanos();
    int calm = 0;
    for (int spins = 0; ; spins++) {
      if (runtime.isIdle()) {
        if (++calm >= 2) {
          return;
        }
      } else {
        calm = 0;
        if (System.nanoTime() - deadline > 0) {
          throw new IllegalStateException("the virtual-time runtime did not come to rest: " + runtime.checkAtRest());
        }
      }
      if (spins < 100) {
        Thread.onSpinWait();
      } else {
        LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(20));
      }
    }
  }

  private static long saturatedNanos(Duration d) {
    try {
      return Math.min(d.toNanos(), Long.MAX_VALUE / 4);
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE / 4;
    }
  }

  /**
   * Disposes the schedulers made here (waiting up to 10 s for those that own a workqueue to
   * destroy it), shuts the runtime down and waits up to 10 s for its threads to exit.
   */
  @Override
  public void close() {
    for (WorkqueueScheduler s : made) {
      s.dispose();
    }
    for (WorkqueueScheduler s : made) {
      try {
        s.disposeGracefully().block(REST_TIMEOUT);
      } catch (RuntimeException e) { // a task that ignores its interrupt: shut down anyway
        break;
      }
    }
    runtime.shutdown();
    try {
      runtime.awaitTermination(REST_TIMEOUT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The {@link VirtualTimeScheduler} of {@link #virtualTimeScheduler()}: Reactor's own, except
   * that advancing it advances the cmwq clock in the same steps.
   */
  static final class CmwqVirtualTimeScheduler extends VirtualTimeScheduler {

    private final CmwqVirtualTime vt;

    CmwqVirtualTimeScheduler(CmwqVirtualTime vt) {
      super(false);
      this.vt = vt;
    }

    @Override
    public void advanceTimeBy(Duration delayTime) {
      vt.advance(delayTime, n -> super.advanceTimeBy(Duration.ofNanos(n)));
    }

    @Override
    public void advanceTime() {
      advanceTimeBy(Duration.ZERO);
    }

    @Override
    public void advanceTimeTo(Instant instant) {
      long target = TimeUnit.MILLISECONDS.toNanos(instant.toEpochMilli());
      advanceTimeBy(Duration.ofNanos(Math.max(0, target - now(TimeUnit.NANOSECONDS))));
    }

    @Override
    public String toString() {
      return "CmwqVirtualTimeScheduler{" + vt.runtime + "}";
    }
  }
}
