package dev.cmwq.reactor;

import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueRuntime;
import java.util.Objects;
import reactor.core.scheduler.Schedulers;

/**
 * Reactor {@link reactor.core.scheduler.Scheduler}s over cmwq workqueues, and the plug-in that
 * makes them Reactor's defaults.
 *
 * <table>
 *   <caption>Variants</caption>
 *   <tr><th>method</th><th>workqueue</th><th>like</th><th>{@code dispose()}</th></tr>
 *   <tr><td>{@link #bound()}</td><td>{@code events} (system_wq)</td><td>{@code parallel()}, but a
 *       blocked task does not stall the CPU slot</td><td>nothing (shared)</td></tr>
 *   <tr><td>{@link #highpri()}</td><td>{@code events_highpri}</td><td>{@code parallel()} on
 *       higher-priority threads</td><td>nothing (shared)</td></tr>
 *   <tr><td>{@link #unbound()}</td><td>{@code events_unbound}, max_active 2048</td><td>{@code
 *       boundedElastic()} that never rejects</td><td>nothing (shared)</td></tr>
 *   <tr><td>{@link #newOrdered(String)}</td><td>a new ordered workqueue</td><td>{@code single()}
 *       without a dedicated thread</td><td>destroys the workqueue</td></tr>
 *   <tr><td>{@link #fromWorkqueue(Workqueue)}</td><td>yours</td><td>its flags decide</td><td>rejects
 *       through this scheduler; the workqueue lives on unless {@link
 *       SchedulerOptions#withOwnsWorkqueue}</td></tr>
 * </table>
 *
 * <p>The variants taking a {@link WorkqueueRuntime} return a new scheduler over that runtime's
 * system workqueue on each call; its {@code dispose()} rejects through that scheduler and cancels
 * its tasks, and leaves the system workqueue alone. Thread-safe.
 */
public final class CmwqSchedulers {

  private CmwqSchedulers() {}

  /** The shared schedulers over the global runtime; built on first use. */
  private static final class Shared {
    static final WorkqueueScheduler BOUND =
        shared(WorkqueueRuntime.global().systemWq(), "CmwqSchedulers.bound()");
    static final WorkqueueScheduler HIGHPRI =
        shared(WorkqueueRuntime.global().systemHighpriWq(), "CmwqSchedulers.highpri()");
    static final WorkqueueScheduler UNBOUND =
        shared(WorkqueueRuntime.global().systemUnboundWq(), "CmwqSchedulers.unbound()");

    private static WorkqueueScheduler shared(Workqueue wq, String name) {
      return new CmwqScheduler(wq, name, false, true, true);
    }
  }

  /**
   * Returns: a scheduler over {@code wq} with the {@link SchedulerOptions#defaults() defaults}:
   * interrupts on, the workqueue not owned. A new scheduler on each call.
   */
  public static WorkqueueScheduler fromWorkqueue(Workqueue wq) {
    return fromWorkqueue(wq, SchedulerOptions.defaults());
  }

  /**
   * Returns: a scheduler over {@code wq} that interrupts a running task on dispose only if
   * {@code interruptOnDispose}; the workqueue is not owned.
   */
  public static WorkqueueScheduler fromWorkqueue(Workqueue wq, boolean interruptOnDispose) {
    return fromWorkqueue(wq, SchedulerOptions.defaults().withInterruptOnDispose(interruptOnDispose));
  }

  /**
   * Returns: a new scheduler over {@code wq} configured by {@code options}.
   *
   * @throws IllegalArgumentException if the options own a system workqueue (it cannot be destroyed)
   * @throws NullPointerException if an argument is null
   */
  public static WorkqueueScheduler fromWorkqueue(Workqueue wq, SchedulerOptions options) {
    Objects.requireNonNull(wq, "wq");
    Objects.requireNonNull(options, "options");
    if (options.ownsWorkqueue() && wq.isSystem()) {
      throw new IllegalArgumentException("a system workqueue cannot be owned (destroyed) by a scheduler: " + wq);
    }
    String name = options.name() != null ? options.name() : "cmwq(" + wq.name() + ")";
    return new CmwqScheduler(wq, name, options.ownsWorkqueue(), false, options.interruptOnDispose());
  }

  /**
   * Returns: the shared scheduler over the global runtime's {@code events} workqueue (kernel
   * {@code system_wq}): bound, concurrency managed. Its {@code dispose()} and
   * {@code disposeGracefully()} do nothing, as Reactor's cached {@code Schedulers.parallel()}.
   */
  public static WorkqueueScheduler bound() {
    return Shared.BOUND;
  }

  /** Returns: the shared scheduler over the global runtime's {@code events_highpri}; dispose does nothing. */
  public static WorkqueueScheduler highpri() {
    return Shared.HIGHPRI;
  }

  /**
   * Returns: the shared scheduler over the global runtime's {@code events_unbound}: every
   * active task gets a worker, up to max_active 2048, then tasks wait (never rejected). Dispose
   * does nothing.
   */
  public static WorkqueueScheduler unbound() {
    return Shared.UNBOUND;
  }

  /** Returns: a new scheduler over {@code runtime}'s {@code events}; dispose leaves the workqueue alone. */
  public static WorkqueueScheduler bound(WorkqueueRuntime runtime) {
    return fromWorkqueue(runtime.systemWq());
  }

  /** Returns: a new scheduler over {@code runtime}'s {@code events_highpri}; dispose leaves the workqueue alone. */
  public static WorkqueueScheduler highpri(WorkqueueRuntime runtime) {
    return fromWorkqueue(runtime.systemHighpriWq());
  }

  /** Returns: a new scheduler over {@code runtime}'s {@code events_unbound}; dispose leaves the workqueue alone. */
  public static WorkqueueScheduler unbound(WorkqueueRuntime runtime) {
    return fromWorkqueue(runtime.systemUnboundWq());
  }

  /**
   * Returns: a new scheduler that owns a new ordered workqueue named {@code name} on the global
   * runtime: one task at a time, in the order they were scheduled, on whichever worker is free
   * (like {@code Schedulers.single()} without a dedicated thread). {@code dispose()} destroys the
   * workqueue.
   *
   * @throws IllegalArgumentException if {@code name} is not 1..32 characters
   */
  public static WorkqueueScheduler newOrdered(String name) {
    return newOrdered(name, WorkqueueRuntime.global());
  }

  /** As {@link #newOrdered(String)}, on {@code runtime}. */
  public static WorkqueueScheduler newOrdered(String name, WorkqueueRuntime runtime) {
    Workqueue wq = Workqueue.builder(name).ordered().runtime(runtime).build();
    return fromWorkqueue(wq, SchedulerOptions.defaults().withOwnsWorkqueue(true));
  }

  /**
   * Makes cmwq Reactor's default, process-wide, through {@link Schedulers#setFactory}:
   * {@code Schedulers.parallel()} and {@code newParallel} run on bound workqueues,
   * {@code boundedElastic()} and {@code newBoundedElastic} on unbound ones (thread cap →
   * max_active, never rejecting), {@code single()} and {@code newSingle} on ordered ones, all on
   * the global runtime. Each scheduler owns its workqueue. As with any factory change, Reactor
   * disposes the schedulers it had cached. Global: it affects every library in the JVM; undo it
   * with {@link #resetDefault()}. {@code StepVerifier.withVirtualTime} still works: it replaces
   * the factory for the duration of a verification and puts this one back after.
   */
  public static void installAsDefault() {
    installAsDefault(WorkqueueRuntime.global());
  }

  /** As {@link #installAsDefault()}, with the schedulers' workqueues on {@code runtime}. */
  public static void installAsDefault(WorkqueueRuntime runtime) {
    Schedulers.setFactory(factory(runtime));
  }

  /**
   * Restores Reactor's own default factory ({@link Schedulers#resetFactory()}); Reactor disposes
   * the cmwq schedulers it had cached, which destroys their workqueues.
   */
  public static void resetDefault() {
    Schedulers.resetFactory();
  }

  /**
   * Returns: the factory {@link #installAsDefault(WorkqueueRuntime)} installs, for use with
   * {@link Schedulers#setFactoryWithSnapshot} or a test's own set-up.
   */
  public static Schedulers.Factory factory(WorkqueueRuntime runtime) {
    return new CmwqSchedulersFactory(Objects.requireNonNull(runtime, "runtime"));
  }
}
