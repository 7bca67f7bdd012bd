package dev.cmwq.rxjava3;

import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueRuntime;
import io.reactivex.rxjava3.core.Scheduler;
import io.reactivex.rxjava3.functions.Function;
import io.reactivex.rxjava3.plugins.RxJavaPlugins;
import java.util.Objects;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * RxJava 3 schedulers over cmwq workqueues, and the {@code RxJavaPlugins} plug-in that puts them
 * behind RxJava's standard schedulers.
 *
 * <table>
 *   <caption>Variants</caption>
 *   <tr><th>factory</th><th>workqueue</th><th>instead of</th></tr>
 *   <tr><td>{@link #bound()}</td><td>{@code events} (system_wq): per-CPU pools, one running worker
 *       per CPU, another only when it blocks</td><td>{@code computation()}</td></tr>
 *   <tr><td>{@link #highpri()}</td><td>{@code events_highpri}: the per-CPU high-priority
 *       pools</td><td>{@code computation()} for latency-critical work</td></tr>
 *   <tr><td>{@link #unbound()}</td><td>{@code events_unbound}: a worker for every active
 *       item</td><td>{@code io()}, {@code newThread()}</td></tr>
 *   <tr><td>{@link #newOrdered(String)}</td><td>a new ordered workqueue: one item at a time, strict
 *       FIFO, no dedicated thread</td><td>{@code single()}, {@code from(newSingleThreadExecutor())}</td></tr>
 *   <tr><td>{@link #fromWorkqueue(Workqueue)}</td><td>any workqueue (max_active, highpri,
 *       mem_reclaim, freezable …)</td><td>{@code from(executor)}</td></tr>
 * </table>
 *
 * <p>Each factory returns a new scheduler: it owns no threads and costs one small object, and
 * shutting it down affects no other scheduler. The no-argument ones use
 * {@link WorkqueueRuntime#global()}; the overloads taking a runtime are for isolated runtimes
 * (tests, containers).
 *
 * <p>Thread-safe.
 */
public final class CmwqSchedulers {

  /** The name of the ordered workqueue behind {@code Schedulers.single()} after {@link #install()}. */
  public static final String SINGLE_WORKQUEUE_NAME = "rx-single";

  private CmwqSchedulers() {}

  /**
   * Returns: a new scheduler running its tasks on {@code wq}. Disposing a running task from another
   * thread interrupts it, as RxJava's {@code computation()} does. Shutting the scheduler down
   * leaves {@code wq} as it is.
   *
   * @throws NullPointerException if {@code wq} is null
   */
  public static WorkqueueScheduler fromWorkqueue(Workqueue wq) {
    return fromWorkqueue(wq, true);
  }

  /**
   * Returns: a new scheduler running its tasks on {@code wq}; with {@code interruptOnDispose}
   * false, disposing a running task (or its worker) only marks it disposed and never interrupts
   * the thread: interrupts close NIO channels ({@code ClosedByInterruptException}) that the task
   * may share with others.
   *
   * @throws NullPointerException if {@code wq} is null
   */
  public static WorkqueueScheduler fromWorkqueue(Workqueue wq, boolean interruptOnDispose) {
    return new CmwqScheduler(Objects.requireNonNull(wq, "wq"), interruptOnDispose, false, null);
  }

  /** Returns: a new scheduler on the global runtime's {@code events} workqueue (kernel system_wq). */
  public static WorkqueueScheduler bound() {
    return bound(WorkqueueRuntime.global());
  }

  /** Returns: a new scheduler on {@code runtime}'s {@code events} workqueue. */
  public static WorkqueueScheduler bound(WorkqueueRuntime runtime) {
    return fromWorkqueue(runtime.systemWq());
  }

  /** Returns: a new scheduler on the global runtime's {@code events_highpri} workqueue. */
  public static WorkqueueScheduler highpri() {
    return highpri(WorkqueueRuntime.global());
  }

  /** Returns: a new scheduler on {@code runtime}'s {@code events_highpri} workqueue. */
  public static WorkqueueScheduler highpri(WorkqueueRuntime runtime) {
    return fromWorkqueue(runtime.systemHighpriWq());
  }

  /** Returns: a new scheduler on the global runtime's {@code events_unbound} workqueue. */
  public static WorkqueueScheduler unbound() {
    return unbound(WorkqueueRuntime.global());
  }

  /** Returns: a new scheduler on {@code runtime}'s {@code events_unbound} workqueue. */
  public static WorkqueueScheduler unbound(WorkqueueRuntime runtime) {
    return fromWorkqueue(runtime.systemUnboundWq());
  }

  /**
   * Returns: a new scheduler on a new ordered workqueue named {@code name} on the global runtime:
   * one task at a time, in the order they were queued, like {@code Schedulers.single()} but
   * without a thread of its own. The scheduler owns the workqueue: {@link
   * WorkqueueScheduler#shutdown()} destroys it.
   *
   * @throws IllegalArgumentException if {@code name} is null, empty or longer than 32 characters
   */
  public static WorkqueueScheduler newOrdered(String name) {
    return newOrdered(name, WorkqueueRuntime.global());
  }

  /** As {@link #newOrdered(String)}, on {@code runtime}. */
  public static WorkqueueScheduler newOrdered(String name, WorkqueueRuntime runtime) {
    Workqueue wq = Workqueue.builder(name).ordered().runtime(Objects.requireNonNull(runtime, "runtime")).build();
    return new CmwqScheduler(wq, true, true, null);
  }

  // ---- the RxJavaPlugins plug-in ----

  /** Guarded by CmwqSchedulers.class: what {@link #install} set, and what it replaced. */
  private static @Nullable Installation installed;

  /**
   * Puts RxJava's standard schedulers on the global runtime: see {@link
   * #install(WorkqueueRuntime)}.
   */
  public static void install() {
    install(WorkqueueRuntime.global());
  }

  /**
   * Puts RxJava's standard schedulers on {@code runtime}'s workqueues, through the
   * {@code RxJavaPlugins} scheduler handlers:
   *
   * <ul>
   *   <li>{@code Schedulers.computation()} → {@link #bound(WorkqueueRuntime)}
   *   <li>{@code Schedulers.io()} → {@link #unbound(WorkqueueRuntime)}
   *   <li>{@code Schedulers.newThread()} → {@link #unbound(WorkqueueRuntime)}
   *   <li>{@code Schedulers.single()} → {@link #newOrdered(String, WorkqueueRuntime)} named
   *       {@value #SINGLE_WORKQUEUE_NAME}
   * </ul>
   *
   * The handlers it replaces are remembered for {@link #reset()}. Installing again resets first.
   * RxJava's own schedulers stay as they are (the handlers are applied on every
   * {@code Schedulers.xxx()} call, so RxJava's are simply no longer handed out). If one of the
   * installed schedulers is shut down (for example by {@code Schedulers.shutdown()}), the next
   * {@code Schedulers.xxx()} call gets a fresh one, so {@code Schedulers.start()} after
   * {@code Schedulers.shutdown()} works as with RxJava's own.
   *
   * <p>The init handlers ({@code setInitComputationSchedulerHandler} …) are left alone: they act
   * only while RxJava's {@code Schedulers} class initialises, and replacing RxJava's scheduler there
   * would leave nothing for {@link #reset()} to restore.
   *
   * @throws IllegalStateException if {@code RxJavaPlugins} is locked down
   */
  public static synchronized void install(WorkqueueRuntime runtime) {
    Objects.requireNonNull(runtime, "runtime");
    if (installed != null) {
      reset();
    }
    Installation i =
        new Installation(
            new Plug(() -> (CmwqScheduler) bound(runtime)),
            new Plug(() -> (CmwqScheduler) unbound(runtime)),
            new Plug(() -> (CmwqScheduler) unbound(runtime)),
            new Plug(() -> (CmwqScheduler) newOrdered(SINGLE_WORKQUEUE_NAME, runtime)));
    RxJavaPlugins.setComputationSchedulerHandler(i.computation);
    RxJavaPlugins.setIoSchedulerHandler(i.io);
    RxJavaPlugins.setNewThreadSchedulerHandler(i.newThread);
    RxJavaPlugins.setSingleSchedulerHandler(i.single);
    installed = i;
  }

  /**
   * Undoes {@link #install()}: each scheduler handler that is still the one install set goes back
   * to what it was before (usually none, so {@code Schedulers.computation()} is RxJava's own
   * again); a handler someone else has set since is left alone. Other {@code RxJavaPlugins} hooks
   * are not touched ({@code RxJavaPlugins.reset()} would clear everyone's). Then the schedulers
   * that install handed out are shut down (see {@link WorkqueueScheduler#shutdown()}): the ordered
   * workqueue behind {@code single()} is destroyed. No-op if not installed.
   *
   * @throws IllegalStateException if {@code RxJavaPlugins} is locked down
   */
  public static synchronized void reset() {
    Installation i = installed;
    if (i == null) {
      return;
    }
    if (RxJavaPlugins.getComputationSchedulerHandler() == i.computation) {
      RxJavaPlugins.setComputationSchedulerHandler(i.previousComputation);
    }
    if (RxJavaPlugins.getIoSchedulerHandler() == i.io) {
      RxJavaPlugins.setIoSchedulerHandler(i.previousIo);
    }
    if (RxJavaPlugins.getNewThreadSchedulerHandler() == i.newThread) {
      RxJavaPlugins.setNewThreadSchedulerHandler(i.previousNewThread);
    }
    if (RxJavaPlugins.getSingleSchedulerHandler() == i.single) {
      RxJavaPlugins.setSingleSchedulerHandler(i.previousSingle);
    }
    installed = null;
    i.computation.shutdown();
    i.io.shutdown();
    i.newThread.shutdown();
    i.single.shutdown();
  }

  /** Returns: whether {@link #install()} is in effect (it has not been {@link #reset()}). */
  public static synchronized boolean isInstalled() {
    return installed != null;
  }

  /** What one {@link #install} set, and the handlers it replaced. */
  private static final class Installation {
    final Plug computation;
    final Plug io;
    final Plug newThread;
    final Plug single;
    final @Nullable Function<? super Scheduler, ? extends Scheduler> previousComputation;
    final @Nullable Function<? super Scheduler, ? extends Scheduler> previousIo;
    final @Nullable Function<? super Scheduler, ? extends Scheduler> previousNewThread;
    final @Nullable Function<? super Scheduler, ? extends Scheduler> previousSingle;

    Installation(Plug computation, Plug io, Plug newThread, Plug single) {
      this.computation = computation;
      this.io = io;
      this.newThread = newThread;
      this.single = single;
      this.previousComputation = RxJavaPlugins.getComputationSchedulerHandler();
      this.previousIo = RxJavaPlugins.getIoSchedulerHandler();
      this.previousNewThread = RxJavaPlugins.getNewThreadSchedulerHandler();
      this.previousSingle = RxJavaPlugins.getSingleSchedulerHandler();
    }
  }

  /**
   * A scheduler handler: ignores RxJava's scheduler and returns its own, replacing it with a fresh
   * one once it has been shut down. Created on first use, so an install that nobody uses creates
   * no workqueue.
   */
  private static final class Plug implements Function<Scheduler, Scheduler> {
    private final Supplier<CmwqScheduler> factory;
    /** Guarded by this for writes; volatile for the lock-free read of the common case. */
    private volatile @Nullable CmwqScheduler current;
    /** Guarded by this: set by {@link #shutdown()}; no new scheduler is created afterwards. */
    private boolean retired;

    Plug(Supplier<CmwqScheduler> factory) {
      this.factory = factory;
    }

    @Override
    public Scheduler apply(Scheduler rxDefault) {
      CmwqScheduler s = current;
      if (s != null && !s.isShutdown()) {
        return s;
      }
      synchronized (this) {
        if (retired) {
          return rxDefault; // reset() has run: only a stale caller of this handler gets here
        }
        s = current;
        if (s == null || s.isShutdown()) {
          s = factory.get();
          current = s;
        }
        return s;
      }
    }

    synchronized void shutdown() {
      retired = true;
      CmwqScheduler s = current;
      if (s != null) {
        s.shutdown();
      }
    }
  }
}
