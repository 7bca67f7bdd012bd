package dev.cmwq.reactor;

import dev.cmwq.Workqueue;
import reactor.core.Disposable;
import reactor.core.Scannable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * A Reactor {@link Scheduler} whose tasks are work items on a cmwq {@link Workqueue}. Get one
 * from {@link CmwqSchedulers}.
 *
 * <h2>Tasks</h2>
 *
 * <ul>
 *   <li>{@link #schedule(Runnable)}: one work item queued on the workqueue. Direct tasks are not
 *       ordered among themselves unless the workqueue is ordered.
 *   <li>{@link #schedule(Runnable, long, java.util.concurrent.TimeUnit)}: a delayed work item on
 *       the runtime's timer wheel, queued when the delay has passed, never earlier. A delay of
 *       zero or less queues at once.
 *   <li>{@link #schedulePeriodically}: fixed rate without drift: run {@code n} starts
 *       {@code initialDelay + n * period} after the call, on the runtime's clock; a run that
 *       ends late is followed at once by the next (catch-up, as
 *       {@code ScheduledExecutorService.scheduleAtFixedRate}); runs never overlap. A period of
 *       zero or less re-queues at once after each run. A run that throws ends the repetition.
 *   <li>{@link #now} reads the runtime's {@link dev.cmwq.TimeSource}, the clock the delays are
 *       measured on. As Reactor's default, units of milliseconds and coarser are anchored to
 *       the epoch (so {@code Flux.timestamp()} still reads wall-clock time, though it never
 *       goes backwards); finer units are the raw monotonic value. On a
 *       {@link dev.cmwq.ManualTimeSource} both are the manual clock.
 *   <li>{@link #createWorker()}: a strand, one work item that runs the worker's FIFO queue.
 *       Tasks of one worker run in the order they were scheduled (delayed ones in the order
 *       their delays end) and never overlap, whatever the workqueue; a task scheduled from
 *       inside a task of the same worker is queued behind it, never run inline.
 * </ul>
 *
 * <p>Every user task passes through {@code Schedulers.onSchedule} when it is scheduled. What a
 * task throws goes to the running thread's {@link Thread.UncaughtExceptionHandler} (unwrapped
 * with {@code Exceptions.unwrap}), as Reactor's own schedulers do; the worker lives on.
 *
 * <h2>The {@link Disposable} of a task</h2>
 *
 * It is the kernel's {@code cancel_work}: a pending task is taken off its queue or timer and
 * never runs; a running task, disposed from another thread, is interrupted unless the scheduler
 * was made with interrupts off ({@link SchedulerOptions#withInterruptOnDispose}); a periodic
 * task does not run again. {@code isDisposed()} is true once it was disposed or has completed.
 *
 * <h2>Lifecycle</h2>
 *
 * Running, then disposed for good; there is no restart, and {@link #init()} on a disposed
 * scheduler throws {@link IllegalStateException}. Once disposed, every {@code schedule} and
 * {@code Worker.schedule} throws the singleton {@code Exceptions.failWithRejected()}.
 *
 * <ul>
 *   <li>{@link #dispose()}: rejects new tasks at once; tasks that have not started are
 *       cancelled (they never run); workers are disposed (their running task is interrupted as
 *       above); direct tasks already running finish. A scheduler that owns its workqueue
 *       ({@link #ownsWorkqueue()}) then destroys it, once none of its tasks is running. Does not
 *       wait.
 *   <li>{@link #disposeGracefully()}: on subscription, rejects new tasks from outside (tasks of
 *       this scheduler may still schedule follow-ups), cancels delayed and periodic tasks that
 *       have not started, lets queued and running tasks finish, then destroys an owned
 *       workqueue and completes (on the thread that ended the termination: the subscriber's, or
 *       a worker of the runtime). Shareable and retryable: every subscription waits for the one
 *       termination; a {@code timeout} on it does not cancel it; {@link #dispose()} afterwards
 *       forces it.
 *   <li>Shared schedulers ({@link CmwqSchedulers#bound()}, {@link CmwqSchedulers#highpri()},
 *       {@link CmwqSchedulers#unbound()}) are like Reactor's cached {@code Schedulers.parallel()}:
 *       {@code dispose()} and {@code disposeGracefully()} do nothing.
 * </ul>
 *
 * <p>Thread-safe.
 */
public interface WorkqueueScheduler extends Scheduler, Scannable {

  /** Returns: the workqueue the tasks are queued on. */
  Workqueue workqueue();

  /**
   * Returns: a {@link Mono} that, on each subscription, waits until every task this scheduler
   * accepted before the subscription has finished (kernel {@code flush_workqueue}): direct
   * tasks and the tasks already in its workers' queues. Delayed tasks whose delay has not
   * passed are not waited for. Never rejects; on a disposed scheduler it completes once what
   * was queued has gone. On a workqueue it does not own it also waits for the other items queued
   * on that workqueue before the subscription.
   */
  Mono<Void> flush();

  /**
   * Returns: a {@link Mono} that, on subscription, drains this scheduler (kernel
   * {@code drain_workqueue}): until none of its tasks is queued or running, only its own tasks
   * may schedule (chains finish); other callers get {@code Exceptions.failWithRejected()}. Then
   * the scheduler accepts tasks again. Delayed tasks whose delay has not passed are not waited
   * for. Concurrent subscriptions share one drain. Completes when the scheduler terminates if it
   * is disposed meanwhile. Other users' items on a shared workqueue are untouched.
   */
  Mono<Void> drain();

  /**
   * Returns: whether {@link #dispose()} destroys the workqueue ({@link CmwqSchedulers#newOrdered},
   * the schedulers of {@link CmwqSchedulers#installAsDefault()}, or {@link SchedulerOptions#withOwnsWorkqueue}).
   */
  boolean ownsWorkqueue();

  /** Returns: whether disposing a running task interrupts it ({@link SchedulerOptions#withInterruptOnDispose}). */
  boolean interruptsOnDispose();
}
