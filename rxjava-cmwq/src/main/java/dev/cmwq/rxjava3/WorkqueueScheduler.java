package dev.cmwq.rxjava3;

import dev.cmwq.Workqueue;
import io.reactivex.rxjava3.core.Completable;
import io.reactivex.rxjava3.core.Scheduler;
import io.reactivex.rxjava3.disposables.Disposable;
import java.util.concurrent.TimeUnit;

/**
 * An RxJava {@link Scheduler} that runs its tasks as work items on a cmwq {@link Workqueue}. Get
 * one from {@link CmwqSchedulers}; in tests, {@link CmwqTestScheduler} is one driven by a manual
 * clock.
 *
 * <h2>Tasks</h2>
 *
 * <ul>
 *   <li><b>{@code scheduleDirect}</b> queues one work item; with a delay it is armed on the
 *       runtime's timer and queued when the delay has passed, never early. The returned
 *       {@link Disposable} also implements
 *       {@link io.reactivex.rxjava3.schedulers.SchedulerRunnableIntrospection}. Disposing it takes
 *       a pending task off the queue or timer (kernel {@code cancel_work}); disposing a running
 *       task from another thread interrupts it, unless the scheduler was built with interrupts
 *       off ({@link #interruptsOnDispose()}). It reports disposed once the task has completed.
 *   <li><b>{@code schedulePeriodicallyDirect}</b> runs at a fixed rate: each run is armed for
 *       {@code start + n × period} on the runtime's clock, so lateness does not accumulate; after
 *       a stall, missed runs follow each other at once. It stops when disposed, when the task
 *       throws, or when the scheduler is shut down.
 *   <li><b>{@link #createWorker()}</b> returns a worker whose tasks run one after another, never
 *       overlapping: those scheduled without delay in the order they were scheduled, delayed ones
 *       when due (never early), by deadline and, for equal deadlines, in the order they were
 *       scheduled. A task scheduled from inside a task of the same worker is queued behind it,
 *       never run inline. Disposing the worker cancels its pending tasks (delayed ones included)
 *       and interrupts a running one as a task dispose does.
 * </ul>
 *
 * <p>Every task goes through {@code RxJavaPlugins.onSchedule} before anything else (a null task
 * throws {@link NullPointerException} "run is null"); what a task throws goes to
 * {@code RxJavaPlugins.onError}, and the worker thread lives on.
 *
 * <h2>Time</h2>
 *
 * {@link #now(TimeUnit)} reads the runtime's {@link dev.cmwq.TimeSource}, the clock the delays are
 * measured on: a monotonic clock with an arbitrary origin (for the system source,
 * {@link System#nanoTime()}), not the epoch. Differences of {@code now} are meaningful; its value
 * is not a wall-clock time.
 *
 * <h2>Lifecycle</h2>
 *
 * Running until {@link #shutdown()}, then shut down for good: {@link #start()} does not restart
 * it. After shutdown, and after a worker is disposed, every {@code schedule*} call returns a
 * disposed {@link Disposable} and never throws; tasks already scheduled but not started do not
 * run, a running task finishes. If the workqueue itself rejects a task (it was destroyed or is
 * draining, or its runtime is shut down), the {@link java.util.concurrent.RejectedExecutionException}
 * goes to {@code RxJavaPlugins.onError} and a disposed {@link Disposable} is returned, as RxJava's
 * own executor-based schedulers do.
 *
 * <p>Thread-safe: every method may be called from any thread.
 */
public abstract class WorkqueueScheduler extends Scheduler {

  /** Only this package makes schedulers. */
  WorkqueueScheduler() {}

  /** Returns: the workqueue the tasks run on. */
  public abstract Workqueue workqueue();

  /**
   * Returns: a {@link Completable} that, on each subscription, flushes the workqueue (kernel
   * {@code flush_workqueue}) and completes when every work item queued before that moment has
   * finished: every task scheduled without delay before the subscription, on this scheduler or its
   * workers, and every delayed task that was due. Delayed tasks whose delay has not passed, and
   * items queued after the subscription, are not waited for. Disposing the subscription stops
   * waiting, not the flush. It completes on a worker thread or the subscribing thread.
   */
  public abstract Completable flush();

  /**
   * Returns: a {@link Completable} that, on each subscription, drains the workqueue (kernel
   * {@code drain_workqueue}): it completes once the workqueue is empty, including items its own
   * items queued meanwhile. While it drains, only the workqueue's own items may queue on it:
   * tasks scheduled from other threads are rejected (see the class comment), so prefer
   * {@link #flush()} on a workqueue that other code shares, such as a system workqueue.
   */
  public abstract Completable drain();

  /**
   * Returns: whether disposing a running task (or its worker) from another thread interrupts the
   * thread that runs it. True unless the scheduler was built with interrupts off (see
   * {@link CmwqSchedulers#fromWorkqueue(Workqueue, boolean)}).
   */
  public abstract boolean interruptsOnDispose();

  /** Returns: whether {@link #shutdown()} has been called. */
  public abstract boolean isShutdown();

  /**
   * Does nothing: a workqueue scheduler is running from the start and is never restarted once
   * shut down. (Under {@link CmwqSchedulers#install()}, {@code Schedulers.start()} after
   * {@code Schedulers.shutdown()} works: the plug-in hands out a fresh scheduler.)
   */
  @Override
  public void start() {}

  /**
   * Shuts this scheduler down for good: from now on {@code schedule*} here and on its workers
   * returns a disposed {@link Disposable}; tasks scheduled but not started are dropped when their
   * turn comes, periodic tasks stop, running tasks finish. A workqueue the scheduler created
   * itself ({@link CmwqSchedulers#newOrdered(String)}) is destroyed in the background once its
   * running items have finished; any other workqueue is left as it is. Does not wait; idempotent.
   */
  @Override
  public abstract void shutdown();
}
